import { chooseExecutor } from '../chooser.js';
import type { CoreDeps } from '../deps.js';
import type { TaskDraft } from '../task-draft.js';

type Deps = Pick<CoreDeps, 'modelStats' | 'catalog' | 'chooser'>;

export interface ExecutorPick {
  readonly draft: TaskDraft;
  /** One line on why this executor runs it; null when the request named its own. */
  readonly reason: string | null;
}

/**
 * The chooser as the default executor: an agent request that names no executor runs on the
 * cheapest configured executor with enough successes at agent tasks; with too little
 * evidence (or no stats at all) the configured default runs it, and the reason says so.
 */
export async function pickDefaultExecutor(deps: Deps, draft: TaskDraft): Promise<ExecutorPick> {
  const settings = deps.chooser;
  if (draft.kind !== 'agent' || draft.executor !== undefined || !settings?.defaultExecutor)
    return { draft, reason: null };
  const fallback = deps.catalog.defaultExecutor ?? 'none';
  let stats;
  try {
    stats = await deps.modelStats.list();
  } catch {
    return {
      draft,
      reason: `chooser: stats unreadable; the default executor ${fallback} runs it.`,
    };
  }
  const choice = chooseExecutor(
    // Only what could run it now: executors removed from the config keep their stats.
    stats.filter((s) => deps.catalog.executors.includes(s.executor)),
    { taskKind: 'agent', minRuns: settings.minRuns, minSuccessRate: settings.minSuccessRate },
  );
  if (choice.qualified && choice.executor) {
    return { draft: { ...draft, executor: choice.executor }, reason: `chooser: ${choice.reason}` };
  }
  return {
    draft,
    reason: `chooser: ${choice.reason} The default executor ${fallback} runs it.`,
  };
}

/** Why the chooser picked the executor of a submitted task, from its audit trail, if it did. */
export function executorReasonOf(
  audit: readonly { readonly action: string; readonly detail: Readonly<Record<string, unknown>> }[],
): string | null {
  const reason = audit.find((e) => e.action === 'task.submitted')?.detail.executor_reason;
  return typeof reason === 'string' ? reason : null;
}
