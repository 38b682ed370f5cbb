/** Running totals of finished runs per executor and task kind (table `model_stats`). */
export interface ModelStat {
  readonly executor: string;
  readonly taskKind: string;
  readonly runs: number;
  readonly successes: number;
  readonly failures: number;
  readonly totalCostUsd: number;
  /** Runs that reported no latency add 0 here (no separate count is kept). */
  readonly totalLatencyMs: number;
  readonly totalTokens: number;
  readonly updatedAt: string;
}

/** One finished run, as the stats store adds it to its executor's totals. */
export interface ModelRun {
  readonly executor: string;
  readonly taskKind: string;
  readonly success: boolean;
  readonly costUsd: number;
  readonly latencyMs: number | null;
  readonly tokens: number;
  readonly at: string;
}

/** What a planner reads: rates and averages instead of totals. */
export interface ModelStatView {
  readonly executor: string;
  readonly taskKind: string;
  readonly runs: number;
  readonly successes: number;
  readonly failures: number;
  readonly successRate: number;
  readonly avgCostUsd: number;
  readonly avgLatencyMs: number;
  readonly totalTokens: number;
  readonly avgTokens: number;
}

const per = (total: number, runs: number) => (runs > 0 ? total / runs : 0);

export function viewModelStat(s: ModelStat): ModelStatView {
  return {
    executor: s.executor,
    taskKind: s.taskKind,
    runs: s.runs,
    successes: s.successes,
    failures: s.failures,
    successRate: per(s.successes, s.runs),
    avgCostUsd: per(s.totalCostUsd, s.runs),
    avgLatencyMs: per(s.totalLatencyMs, s.runs),
    totalTokens: s.totalTokens,
    avgTokens: per(s.totalTokens, s.runs),
  };
}
