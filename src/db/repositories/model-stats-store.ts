import { asc, sql } from 'drizzle-orm';
import type { ModelStatsStore } from '../../core/ports/model-stats-store.js';
import type { Database } from '../client.js';
import { modelStats } from '../schema.js';

/** One upsert per finished run: a new row for a new executor and kind, else the totals grow. */
export function createModelStatsStore(db: Database): ModelStatsStore {
  return {
    async record(run) {
      const success = run.success ? 1 : 0;
      const latency = run.latencyMs ?? 0;
      await db
        .insert(modelStats)
        .values({
          executor: run.executor,
          taskKind: run.taskKind,
          runs: 1,
          successes: success,
          failures: 1 - success,
          totalCostUsd: run.costUsd,
          totalLatencyMs: latency,
          totalTokens: run.tokens,
          updatedAt: run.at,
        })
        .onConflictDoUpdate({
          target: [modelStats.executor, modelStats.taskKind],
          set: {
            runs: sql`${modelStats.runs} + 1`,
            successes: sql`${modelStats.successes} + ${success}`,
            failures: sql`${modelStats.failures} + ${1 - success}`,
            totalCostUsd: sql`${modelStats.totalCostUsd} + ${run.costUsd}`,
            totalLatencyMs: sql`${modelStats.totalLatencyMs} + ${latency}`,
            totalTokens: sql`${modelStats.totalTokens} + ${run.tokens}`,
            updatedAt: run.at,
          },
        });
    },
    async list() {
      return db
        .select()
        .from(modelStats)
        .orderBy(asc(modelStats.executor), asc(modelStats.taskKind));
    },
  };
}
