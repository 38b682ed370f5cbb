import { asc, sql } from 'drizzle-orm';
import type { ModelStatsStore } from '../../core/ports/model-stats-store.js';
import type { Database } from '../client.js';
import { modelStats } from '../schema.js';
import { bind, compile } from './prepared.js';

const p = sql.placeholder;
const v = (name: string) => sql`${p(name)}`;

/** One upsert per finished run: a new row for a new executor and kind, else the totals grow. */
export function createModelStatsStore(db: Database): ModelStatsStore {
  // Every completion records one: built once, only bound per call (prepared.ts).
  const upsert = compile(
    db
      .insert(modelStats)
      .values({
        executor: v('executor'),
        taskKind: v('taskKind'),
        runs: 1,
        successes: v('success'),
        failures: sql`1 - ${p('success')}`,
        totalCostUsd: v('costUsd'),
        totalLatencyMs: v('latencyMs'),
        totalTokens: v('tokens'),
        updatedAt: v('at'),
      })
      .onConflictDoUpdate({
        target: [modelStats.executor, modelStats.taskKind],
        set: {
          runs: sql`${modelStats.runs} + 1`,
          successes: sql`${modelStats.successes} + ${p('success')}`,
          failures: sql`${modelStats.failures} + 1 - ${p('success')}`,
          totalCostUsd: sql`${modelStats.totalCostUsd} + ${p('costUsd')}`,
          totalLatencyMs: sql`${modelStats.totalLatencyMs} + ${p('latencyMs')}`,
          totalTokens: sql`${modelStats.totalTokens} + ${p('tokens')}`,
          updatedAt: v('at'),
        },
      }),
  );
  return {
    async record(run) {
      await db.$client.execute(
        bind(upsert, {
          executor: run.executor,
          taskKind: run.taskKind,
          success: run.success ? 1 : 0,
          costUsd: run.costUsd,
          latencyMs: run.latencyMs ?? 0,
          tokens: run.tokens,
          at: run.at,
        }),
      );
    },
    async list() {
      return db
        .select()
        .from(modelStats)
        .orderBy(asc(modelStats.executor), asc(modelStats.taskKind));
    },
  };
}
