import type { Actor } from '../actor.js';
import type { Approval } from '../approval.js';
import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import { pipelineOfStep } from '../pipeline.js';
import type { Task } from '../task.js';
import { loadPendingApproval } from './pending-approval.js';
import {
  auditEntry,
  denyUnlessAllowed,
  explainMiss,
  notifySafely,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'approvals' | 'audit' | 'clock' | 'ids' | 'notifier'>;

export interface ApproveTaskInput {
  readonly taskId: string;
  /** Required for high-risk work: the exact phrase, typed by an approver. */
  readonly phrase?: string | undefined;
  /**
   * How the decision was made: a button (Approve, Run, the web app's form) or typed text
   * (a chat reply). Typed text only ever opens a typed-phrase gate.
   */
  readonly via: 'button' | 'phrase';
}

/** Opens the gate: the task moves to the queue. Double and stale taps change nothing. */
export async function approveTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, ApproveTaskInput>): Promise<Result<Task, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.approve', taskSubject(input.taskId));
  if (denied) return denied;
  const pending = await loadPendingApproval(deps, input.taskId, 'queued');
  if (!pending.ok) return pending;
  const { approval, task: pendingTask } = pending.value;
  const selfApproval = await refuseSelfApproval(deps, actor, pendingTask, approval);
  if (selfApproval) return selfApproval;
  if (input.via === 'phrase' && approval.gate !== 'typed_phrase') {
    return err({ code: 'tap_required', taskId: input.taskId, gate: approval.gate });
  }
  if (approval.requiredPhrase !== null && input.phrase?.trim() !== approval.requiredPhrase) {
    return err({ code: 'phrase_required', taskId: input.taskId, phrase: approval.requiredPhrase });
  }
  const at = deps.clock.now().toISOString();
  const task = await deps.tasks.transition({
    taskId: input.taskId,
    from: ['awaiting_approval'],
    to: 'queued',
    at,
    changeId: deps.ids.next(),
    approval: {
      status: 'approved',
      decidedBy: actor.id,
      decidedChannel: actor.channel,
      decidedAt: at,
      reason: null,
    },
    audit: [
      auditEntry(deps, actor, at, 'task.approved', taskSubject(input.taskId), {
        gate: approval.gate,
      }),
    ],
  });
  if (!task) return explainMiss(deps, input.taskId, 'queued');
  await notifySafely(deps, { type: 'task.changed', task, from: 'awaiting_approval' });
  return ok(task);
}

/**
 * A program (an MCP client) never opens its own gate: that would skip the human the gate is
 * for. A person approving their own request in chat is the policy's one tap. The refusal is
 * audited, so an operator sees a client that tried.
 */
async function refuseSelfApproval(
  deps: Deps,
  actor: Actor,
  task: Task,
  approval: Approval,
): Promise<{ ok: false; error: DomainError } | null> {
  if (actor.channel !== 'mcp') return null;
  const requester = await startedBy(deps, task);
  if (requester !== null && requester !== actor.id) return null;
  const at = deps.clock.now().toISOString();
  await deps.audit.append(
    auditEntry(deps, actor, at, 'task.approval_refused', taskSubject(task.id), {
      reason: 'self_approval',
      gate: approval.gate,
    }),
  );
  return err({ code: 'self_approval', taskId: task.id });
}

/**
 * Who asked for the task: a pipeline's step counts as requested by whoever started the
 * pipeline, so a client cannot open the gates inside a pipeline it started itself.
 */
async function startedBy(deps: Pick<Deps, 'tasks'>, task: Task): Promise<string | null> {
  const pipelineId = pipelineOfStep(task.requester);
  if (pipelineId === null) return task.requester;
  // Unknown starter (its pipeline task is gone): null, and no program may decide the step.
  return (await deps.tasks.get(pipelineId))?.requester ?? null;
}
