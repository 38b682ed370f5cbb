import type { Approval } from '../approval.js';
import { assessRisk, phraseFor, type RiskAssessment } from '../approval-policy.js';
import type { Actor } from '../actor.js';
import { newPipeline } from '../pipeline.js';
import { taskSubject, type AuditEvent } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { gateForGuess } from '../guess-gate.js';
import { err, ok, type Result } from '../result.js';
import { pickDefaultExecutor } from './default-executor.js';
import { resolveDraft, type ResolvedDraft, type TaskDraft } from '../task-draft.js';
import type { Gate, Task } from '../task.js';
import {
  addSeconds,
  auditEntry,
  denyUnlessAllowed,
  notifySafely,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<
  CoreDeps,
  'tasks' | 'audit' | 'clock' | 'ids' | 'notifier' | 'policy' | 'catalog' | 'modelStats' | 'chooser'
>;

/** A follow-up that resumes an earlier task's agent session (see continue-task.ts). */
export interface Continuation {
  readonly taskId: string;
  readonly sessionId: string;
}

export interface SubmitTaskInput {
  readonly draft: TaskDraft;
  readonly continuation?: Continuation | undefined;
  /** The parser only guessed this draft from free text: it waits for one Run tap. */
  readonly guess?: boolean | undefined;
}

export interface Submitted {
  readonly task: Task;
  readonly approval: Approval | null;
}

/** Turns a draft into a task: low risk is queued at once, anything else waits behind a gate. */
export async function submitTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, SubmitTaskInput>): Promise<Result<Submitted, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.submit', 'task:new');
  if (denied) return denied;
  const pick = await pickDefaultExecutor(deps, input.draft);
  const resolved = resolveDraft(pick.draft, deps.catalog);
  if (!resolved.ok) return err({ code: 'invalid_input', issues: resolved.issues });
  const draft = resolved.value;
  const assessment = gateForGuess(assessRisk(draft, deps.policy), input.guess === true);
  const now = deps.clock.now();
  const at = now.toISOString();
  const id = deps.ids.next();
  const task = buildTask({ id, draft, assessment, actor, at, continuation: input.continuation });

  const approval =
    assessment.gate === 'none' ? null : buildApproval(deps, id, assessment.gate, now);
  const subject = taskSubject(id);
  const audit: AuditEvent[] = [
    auditEntry(deps, actor, at, 'task.submitted', subject, {
      kind: task.kind,
      risk: task.risk,
      gate: task.gate,
      reason: task.riskReason,
      ...(input.guess ? { guess: true } : {}),
      ...(pick.reason ? { executor: task.executor, executor_reason: pick.reason } : {}),
    }),
  ];
  if (approval) {
    audit.push(
      auditEntry(deps, actor, at, 'task.approval_requested', subject, {
        gate: approval.gate,
        expires_at: approval.expiresAt,
      }),
    );
  }
  const pipeline = draft.steps ? newPipeline(id, draft.steps, at) : null;
  await deps.tasks.create(task, approval, audit, pipeline);
  await notifySafely(deps, { type: 'task.changed', task, from: null });
  if (approval) await notifySafely(deps, { type: 'approval.requested', task, approval });
  return ok({ task, approval });
}

/** A new task as a draft and its risk assessment make it; not yet stored. */
export function buildTask(input: {
  readonly id: string;
  readonly draft: ResolvedDraft;
  readonly assessment: RiskAssessment;
  readonly actor: Actor;
  readonly at: string;
  readonly continuation?: Continuation | undefined;
}): Task {
  const { id, draft, assessment, actor, at, continuation } = input;
  return {
    id,
    kind: draft.kind,
    status: assessment.gate === 'none' ? 'queued' : 'awaiting_approval',
    executor: draft.executor,
    host: draft.host,
    repo: draft.repo,
    environment: draft.environment,
    template: draft.template,
    params: draft.params,
    prompt: draft.prompt,
    argv: draft.argv,
    risk: assessment.risk,
    gate: assessment.gate,
    riskReason: assessment.reason,
    idempotent: draft.idempotent,
    budgetUsd: draft.budgetUsd,
    continuesTaskId: continuation?.taskId ?? null,
    resumeSessionId: continuation?.sessionId ?? null,
    escalate: draft.escalate,
    timeoutS: draft.timeoutS,
    costUsd: 0,
    tokensIn: 0,
    tokensOut: 0,
    requester: actor.id,
    channel: actor.channel,
    attempts: 0,
    fencingToken: 0,
    leaseOwner: null,
    leaseExpiresAt: null,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
  };
}

/** The pending approval a gate asks for; it expires (deny on timeout) per the policy. */
export function buildApproval(
  deps: Pick<CoreDeps, 'ids' | 'policy'>,
  taskId: string,
  gate: Exclude<Gate, 'none'>,
  now: Date,
): Approval {
  return {
    id: deps.ids.next(),
    taskId,
    gate,
    requiredPhrase: phraseFor(gate),
    status: 'pending',
    scope: 'once',
    requestedAt: now.toISOString(),
    expiresAt: addSeconds(now, deps.policy.approvalTimeoutS),
    decidedBy: null,
    decidedChannel: null,
    decidedAt: null,
    reason: null,
  };
}
