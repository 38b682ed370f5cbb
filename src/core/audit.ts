import type { Channel } from './task.js';

export const AUDIT_ACTIONS = [
  'task.submitted',
  'task.approval_requested',
  'task.approved',
  /** A decision that was refused (detail.reason), e.g. a client approving its own request. */
  'task.approval_refused',
  'task.rejected',
  'task.cancelled',
  'task.approval_expired',
  'task.claimed',
  'task.succeeded',
  'task.failed',
  'task.timed_out',
  'task.lost',
  'task.requeued',
  'task.escalated',
  'task.consensus_started',
  'task.consensus_settled',
  'task.escalation_decided',
  'task.blocked',
  'task.halted',
  'task.survivors_killed',
  'breaker.overridden',
  'pipeline.started',
  'pipeline.succeeded',
  'pipeline.failed',
  'pipeline.step_failed',
  'pipeline.validation_failed',
  'permission.requested',
  'permission.allowed',
  'permission.denied',
  'permission.expired',
  'access.denied',
  'oauth.allowed',
  'oauth.denied',
  'oauth.expired',
  'workflow.created',
  'workflow.specced',
  'workflow.stage_logged',
  'workflow.closed',
  'session.opened',
  'session.closed',
  // Crossings, refused button taps and host probes: nothing that moves or is refused goes unrecorded.
  'breaker.crossed',
  'callback.refused',
  'host.probed',
  'host.probe_refused',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Append-only record of an action: who, through which channel, did what to which subject. */
export interface AuditEvent {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly channel: Channel;
  readonly action: AuditAction;
  readonly subject: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export const taskSubject = (taskId: string): string => `task:${taskId}`;
export const workflowSubject = (workflowId: string): string => `workflow:${workflowId}`;
export const permissionSubject = (requestId: string): string => `permission:${requestId}`;
