import type { Channel } from './task.js';

export const ROLES = ['owner', 'approver', 'viewer', 'runner', 'system'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: a person (by role from config), a runner service, or the system itself. */
export interface Actor {
  readonly id: string;
  readonly role: Role;
  readonly channel: Channel;
}

export type Action =
  | 'task.submit'
  | 'task.approve'
  | 'task.reject'
  | 'task.cancel'
  | 'task.read'
  | 'task.claim'
  | 'task.report'
  | 'lease.reap'
  | 'workflow.write'
  | 'workflow.read'
  | 'permission.request'
  | 'permission.decide'
  | 'breaker.override'
  | 'host.probe';

const ALLOWED: Readonly<Record<Action, readonly Role[]>> = {
  'task.submit': ['owner', 'approver'],
  'task.approve': ['owner', 'approver'],
  'task.reject': ['owner', 'approver'],
  // system: a pipeline cancels the step that runs when the pipeline itself is cancelled.
  'task.cancel': ['owner', 'approver', 'system'],
  'task.read': ['owner', 'approver', 'viewer', 'system'],
  'task.claim': ['runner', 'system'],
  'task.report': ['runner', 'system'],
  'lease.reap': ['runner', 'system', 'owner'],
  // Workflows belong to their requester as well (see mayTouchWorkflow).
  'workflow.write': ['owner', 'approver'],
  // system: the chat reports a consensus it started when both answers are in.
  'workflow.read': ['owner', 'approver', 'viewer', 'system'],
  // Agents ask with a per-task capability (see permission.ts), checked by identity, not role.
  'permission.request': ['system'],
  'permission.decide': ['owner', 'approver'],
  // Spending past the day's limit is the owner's call alone (SPEC §3.2).
  'breaker.override': ['owner'],
  // A probe opens SSH to a host and runs its checks: for those who may run work there.
  'host.probe': ['owner', 'approver'],
};

export const isAllowed = (actor: Actor, action: Action): boolean =>
  ALLOWED[action].includes(actor.role);

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system', channel: 'system' };
