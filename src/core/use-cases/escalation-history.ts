import { taskSubject, type AuditEvent } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { CONSENSUS_RUNG, type SkippedRung, type SkipReason } from '../escalation.js';
import { err, ok, type Result } from '../result.js';
import type { Task } from '../task.js';
import { ladderRequester } from './advance-consensus-rung.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'stages' | 'audit' | 'clock' | 'ids' | 'catalog'>;

/** One rung as it ran: an attempt of the task, or one side of its consensus rung. */
export interface TriedRung {
  readonly executor: string;
  /** Set for a consensus side: the side's own task. */
  readonly sideOf: typeof CONSENSUS_RUNG | null;
  readonly taskId: string;
  readonly outcome: string;
  readonly errorClass: string | null;
  readonly costUsd: number;
  readonly latencyMs: number | null;
  readonly startedAt: string;
}

export interface EscalationHistory {
  readonly task: Task;
  readonly tried: readonly TriedRung[];
  readonly skipped: readonly SkippedRung[];
  /** Everything the climb cost, every rung and side included. */
  readonly totalUsd: number;
  /** Executors the operator may re-run it on (the configured ones). */
  readonly executors: readonly string[];
  /** Whether the ladder ended at `human` (the operator's turn), not a plain failure. */
  readonly ended: boolean;
  /** What the operator decided already, if anything (see decide-escalation.ts). */
  readonly decision: { readonly what: string; readonly by: string } | null;
}

const AUDIT_LOOKBACK = 500;

/**
 * The history SPEC §3.3's last rung shows the operator: every rung tried (executor, outcome,
 * error class, cost, duration), consensus sides included, and every rung skipped with why.
 */
export async function escalationHistory({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly taskId: string }>): Promise<
  Result<EscalationHistory, DomainError>
> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.read', taskSubject(input.taskId));
  if (denied) return denied;
  const task = await deps.tasks.get(input.taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: input.taskId });
  const [stages, audit, sides] = await Promise.all([
    deps.stages.listByTask(task.id),
    deps.audit.listBySubject(taskSubject(task.id), AUDIT_LOOKBACK),
    deps.tasks.list({ requester: ladderRequester(task.id), limit: 10 }),
  ]);
  const own: TriedRung[] = stages
    .filter((s) => s.outcome !== 'running')
    .map((s) => ({
      executor: s.executor ?? '?',
      sideOf: null,
      taskId: task.id,
      outcome: s.outcome,
      errorClass: s.errorClass,
      costUsd: s.costUsd,
      latencyMs: s.latencyMs,
      startedAt: s.startedAt,
    }));
  const consensus = await Promise.all(
    sides.items.map(async (side): Promise<TriedRung> => {
      const last = (await deps.stages.listByTask(side.id)).at(-1);
      return {
        executor: side.executor ?? '?',
        sideOf: CONSENSUS_RUNG,
        taskId: side.id,
        outcome: side.status,
        errorClass: last?.errorClass ?? null,
        costUsd: side.costUsd,
        latencyMs: last?.latencyMs ?? null,
        startedAt: last?.startedAt ?? side.createdAt,
      };
    }),
  );
  const tried = [...own, ...consensus].sort((a, b) =>
    a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0,
  );
  return ok({
    task,
    tried,
    skipped: skippedOf(audit),
    totalUsd: tried.reduce((sum, r) => sum + r.costUsd, 0),
    executors: deps.catalog.executors,
    ended: audit.some((e) => e.detail.ladder === 'human'),
    decision: decisionOf(audit),
  });
}

/** Every rung the climbs passed over, once each, with the reason the audit recorded. */
function skippedOf(audit: readonly AuditEvent[]): SkippedRung[] {
  const out = new Map<string, SkipReason>();
  for (const e of audit) {
    const reasons = e.detail.skip_reasons;
    if (!reasons || typeof reasons !== 'object') continue;
    for (const [rung, why] of Object.entries(reasons as Record<string, unknown>))
      if (typeof why === 'string' && !out.has(rung)) out.set(rung, why as SkipReason);
  }
  return [...out].map(([rung, why]) => ({ rung, why }));
}

export function decisionOf(audit: readonly AuditEvent[]): EscalationHistory['decision'] {
  const d = audit.findLast((e) => e.action === 'task.escalation_decided');
  if (!d) return null;
  return {
    what: typeof d.detail.decision === 'string' ? d.detail.decision : 'decided',
    by: d.actor,
  };
}
