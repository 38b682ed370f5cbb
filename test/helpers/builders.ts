import type { Approval } from '../../src/core/approval.js';
import type { AuditEvent } from '../../src/core/audit.js';
import type { Task } from '../../src/core/task.js';

const AT = '2026-01-01T00:00:00.000Z';

/** A valid queued shell task; override what a test cares about. */
export function aTask(overrides: Partial<Task> & Pick<Task, 'id'>): Task {
  return {
    kind: 'shell',
    status: 'queued',
    executor: null,
    host: 'local',
    repo: null,
    environment: null,
    template: null,
    params: {},
    prompt: null,
    argv: ['git', 'status'],
    risk: 'low',
    gate: 'none',
    riskReason: 'read-only command on the allow-list',
    idempotent: false,
    budgetUsd: null,
    continuesTaskId: null,
    escalate: false,
    resumeSessionId: null,
    timeoutS: 180,
    costUsd: 0,
    tokensIn: 0,
    tokensOut: 0,
    requester: 'owner-1',
    channel: 'api',
    attempts: 0,
    fencingToken: 0,
    leaseOwner: null,
    leaseExpiresAt: null,
    createdAt: AT,
    updatedAt: AT,
    finishedAt: null,
    ...overrides,
  };
}

export function anApproval(
  overrides: Partial<Approval> & Pick<Approval, 'id' | 'taskId'>,
): Approval {
  return {
    gate: 'tap',
    requiredPhrase: null,
    status: 'pending',
    scope: 'once',
    requestedAt: AT,
    expiresAt: '2026-01-01T00:10:00.000Z',
    decidedBy: null,
    decidedChannel: null,
    decidedAt: null,
    reason: null,
    ...overrides,
  };
}

export function anAuditEvent(
  overrides: Partial<AuditEvent> & Pick<AuditEvent, 'id' | 'subject'>,
): AuditEvent {
  return {
    at: AT,
    actor: 'owner-1',
    channel: 'api',
    action: 'task.submitted',
    detail: {},
    ...overrides,
  };
}
