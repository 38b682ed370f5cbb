import type { CoreDeps } from '../deps.js';
import type { ModelRun } from '../model-stats.js';

/**
 * Adds a finished run to model_stats. Statistics are advisory (they feed `chooser`): losing one
 * run must never undo or fail the completion or stage it describes, so a failure is swallowed
 * here; core has no logger, and the store's own errors surface in its adapter's logs.
 */
export async function recordModelRun(
  deps: Pick<CoreDeps, 'modelStats'>,
  run: ModelRun,
): Promise<boolean> {
  try {
    await deps.modelStats.record(run);
    return true;
  } catch {
    return false;
  }
}
