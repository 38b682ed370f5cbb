import { taskSubject } from '../audit.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import { isTerminal } from '../task.js';
import { decisionOf } from './escalation-history.js';
import { shortRef } from './find-task.js';
import { rerunTask } from './rerun-task.js';
import type { Submitted } from './submit-task.js';
import { auditEntry, denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Parameters<typeof rerunTask>[0]['deps'];

export type EscalationDecision =
  { readonly kind: 'drop' } | { readonly kind: 'rerun'; readonly executor: string };

export type DecidedEscalation =
  { readonly kind: 'drop' } | { readonly kind: 'rerun'; readonly submitted: Submitted };

const AUDIT_LOOKBACK = 500;

/**
 * The operator's answer at the end of a ladder (SPEC §3.3): run the request again on an
 * executor they pick (a new task, under the approval policy like any re-run), or drop it.
 * Only a task whose ladder ended is decided, and only once: a second tap (another operator's
 * copy of the message, a stale one) is refused with who decided what.
 */
export async function decideEscalation({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly taskId: string; readonly decision: EscalationDecision }>): Promise<
  Result<DecidedEscalation, DomainError>
> {
  const subject = taskSubject(input.taskId);
  const denied = await denyUnlessAllowed(deps, actor, 'task.submit', subject);
  if (denied) return denied;
  const task = await deps.tasks.get(input.taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: input.taskId });
  const audit = await deps.audit.listBySubject(subject, AUDIT_LOOKBACK);
  if (!isTerminal(task.status) || !audit.some((e) => e.detail.ladder === 'human')) {
    return err({
      code: 'invalid_input',
      issues: [{ path: 'task', message: 'its escalation ladder has not ended' }],
    });
  }
  const earlier = decisionOf(audit);
  if (earlier) {
    return err({
      code: 'escalation_decided',
      taskId: task.id,
      decision: earlier.what,
      decidedBy: earlier.by,
    });
  }
  const { decision } = input;
  let result: DecidedEscalation = { kind: 'drop' };
  let what = 'dropped';
  if (decision.kind === 'rerun') {
    // rerunTask checks the executor against the configuration: a forged name goes no further.
    const r = await rerunTask({
      deps,
      actor,
      input: { taskId: task.id, executor: decision.executor },
    });
    if (!r.ok) return r;
    result = { kind: 'rerun', submitted: r.value };
    what = `re-run on ${decision.executor} as #${shortRef(r.value.task.id)}`;
  }
  const at = deps.clock.now().toISOString();
  await deps.audit.append(
    auditEntry(deps, actor, at, 'task.escalation_decided', subject, { decision: what }),
  );
  return ok(result);
}
