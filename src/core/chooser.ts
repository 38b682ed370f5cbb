import { viewModelStat, type ModelStat, type ModelStatView } from './model-stats.js';

export interface ChooserOptions {
  readonly taskKind: string;
  /** Lowest acceptable success rate, inclusive (0.8 means 4 of 5 is enough). */
  readonly minSuccessRate: number;
  /** Fewest runs before a rate counts as evidence, inclusive. */
  readonly minRuns: number;
}

export const DEFAULT_CHOOSER = { minSuccessRate: 0.8, minRuns: 5 } as const;

/** Configuration (`chooser:` in the YAML): thresholds, and whether it picks by default. */
export interface ChooserSettings {
  /** Agent tasks submitted without an executor get the chooser's qualified pick. */
  readonly defaultExecutor: boolean;
  readonly minSuccessRate: number;
  readonly minRuns: number;
}

export interface Choice {
  /** The recommendation; null when nothing has run this kind of task yet. */
  readonly executor: string | null;
  /** True when `executor` met both thresholds; false for a fallback. */
  readonly qualified: boolean;
  readonly reason: string;
  /** Every executor seen for the kind, the qualified ones first, cheapest first. */
  readonly candidates: readonly ModelStatView[];
}

// Rates are compared as counts (successes ≥ rate × runs) with a little slack, so 4/5 meets 0.8
// however the division rounds.
const meetsRate = (s: ModelStatView, rate: number) => s.successes >= rate * s.runs - 1e-9;
const qualifies = (s: ModelStatView, o: ChooserOptions) =>
  s.runs >= o.minRuns && s.runs > 0 && meetsRate(s, o.minSuccessRate);
const byName = (a: ModelStatView, b: ModelStatView) =>
  a.executor < b.executor ? -1 : a.executor > b.executor ? 1 : 0;
/** Cheapest first; ties go to the higher success rate, then more runs, then the name. */
const cheapest = (a: ModelStatView, b: ModelStatView) =>
  a.avgCostUsd - b.avgCostUsd || b.successRate - a.successRate || b.runs - a.runs || byName(a, b);
const mostRuns = (a: ModelStatView, b: ModelStatView) =>
  b.runs - a.runs || b.successRate - a.successRate || a.avgCostUsd - b.avgCostUsd || byName(a, b);

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const usd = (n: number) => `$${n.toFixed(4)}`;

/**
 * Recommends the cheapest executor (lowest average cost) that succeeded often enough, on
 * enough runs, for this kind of task. Deterministic: equal costs fall back to rate, runs, name.
 */
export function chooseExecutor(stats: readonly ModelStat[], o: ChooserOptions): Choice {
  const views = stats.filter((s) => s.taskKind === o.taskKind).map(viewModelStat);
  const good = views.filter((s) => qualifies(s, o)).sort(cheapest);
  const rest = views.filter((s) => !qualifies(s, o)).sort(cheapest);
  const candidates = [...good, ...rest];
  const best = good[0];
  if (best) {
    return {
      executor: best.executor,
      qualified: true,
      reason: `${best.executor}: cheapest of ${good.length} qualified (avg ${usd(best.avgCostUsd)}, ${pct(best.successRate)} success over ${best.runs} runs).`,
      candidates,
    };
  }
  const fallback = [...views].sort(mostRuns)[0];
  if (!fallback) {
    return {
      executor: null,
      qualified: false,
      reason: `No runs of task kind "${o.taskKind}" are recorded yet.`,
      candidates,
    };
  }
  return {
    executor: fallback.executor,
    qualified: false,
    reason: `None has ≥ ${pct(o.minSuccessRate)} success over ≥ ${o.minRuns} runs; ${fallback.executor} has the most runs (${fallback.runs}, ${pct(fallback.successRate)} success).`,
    candidates,
  };
}
