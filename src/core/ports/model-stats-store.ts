import type { ModelRun, ModelStat } from '../model-stats.js';

/** Per executor and task kind totals; `record` adds one run in a single upsert. */
export interface ModelStatsStore {
  record(run: ModelRun): Promise<void>;
  /** Every row, by executor then task kind. */
  list(): Promise<readonly ModelStat[]>;
}
