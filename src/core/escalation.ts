/**
 * The escalation ladder (SPEC §3.3): an agent task that fails in a way a stronger executor
 * could fix climbs one rung; each rung is another attempt (a stage with its own cost) of the
 * same task. Pure: the caller says which executors exist and which it can afford.
 */

/** SPEC §3.3's default ladder. */
export const DEFAULT_LADDER: readonly string[] = [
  'gemini-flash',
  'codex',
  'claude-sonnet',
  'consensus',
  'human',
];

/** Rungs that are not executors. `human` ends the climb: the operator decides in chat. */
export const HUMAN_RUNG = 'human';
/**
 * Two executors side by side, each its own task (and worktree), compared when both are done.
 * While it runs, the escalating task waits with this as its executor (no runner claims it).
 */
export const CONSENSUS_RUNG = 'consensus';

/**
 * Verified failures: the agent ran and did not deliver (non-zero exit or is_error, a timeout,
 * output that is not what the CLI promises), or its CLI is not signed in (another may be).
 * Cancels, breaker halts, unreachable hosts and network failures are not the agent's fault,
 * and another agent on the same host or network would fare no better.
 */
export const CLIMBABLE_FAILURES: ReadonlySet<string> = new Set([
  'failed',
  'timeout',
  'output_parse_error',
  'auth_failure',
]);

export const SKIP_REASONS = {
  unconfigured: 'not configured',
  tried: 'already tried',
  unaffordable: 'its estimate would breach a spend breaker',
  noPair: 'no two configured executors it can afford',
} as const;
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/** A rung passed over, and why (the operator's history names both). */
export interface SkippedRung {
  readonly rung: string;
  readonly why: SkipReason;
}

export type NextRung =
  | {
      readonly kind: 'executor';
      readonly executor: string;
      readonly skipped: readonly SkippedRung[];
    }
  /** Both executors run the task at once; see CONSENSUS_RUNG. */
  | {
      readonly kind: 'consensus';
      readonly executors: readonly [string, string];
      readonly skipped: readonly SkippedRung[];
    }
  /** The ladder is done: hand over to the operator with the history so far. */
  | { readonly kind: 'human'; readonly skipped: readonly SkippedRung[] };

export interface ClimbInput {
  readonly ladder: readonly string[];
  /** The rung that just failed: an executor, or `consensus`. */
  readonly current: string;
  /** Executors this task already ran on (each rung at most once). */
  readonly tried: readonly string[];
  /** Configured executors: a rung naming anything else is skipped. */
  readonly executors: readonly string[];
  /**
   * False when running these executors (one rung, or both sides of a consensus together)
   * would breach a spend breaker.
   */
  readonly affordable?: ((executors: readonly string[]) => boolean) | undefined;
}

/**
 * The rung after `current` (or the ladder's first if `current` is not on it) that is a
 * configured, affordable executor not tried yet, or a consensus with a pair to run.
 * Skipped rungs are named with the reason, so the history can say why each was passed over.
 */
export function nextRung(input: ClimbInput): NextRung {
  const at = input.ladder.indexOf(input.current);
  const skipped: SkippedRung[] = [];
  const affordable = (executors: readonly string[]) => input.affordable?.(executors) !== false;
  for (const rung of input.ladder.slice(at + 1)) {
    if (rung === HUMAN_RUNG) return { kind: 'human', skipped };
    if (rung === CONSENSUS_RUNG) {
      // Once per task, even if the ladder names it twice.
      if (input.tried.includes(rung)) {
        skipped.push({ rung, why: SKIP_REASONS.tried });
        continue;
      }
      const pair = consensusPair(input, affordable);
      if (pair) return { kind: 'consensus', executors: pair, skipped };
      skipped.push({ rung, why: SKIP_REASONS.noPair });
      continue;
    }
    const why = !input.executors.includes(rung)
      ? SKIP_REASONS.unconfigured
      : input.tried.includes(rung)
        ? SKIP_REASONS.tried
        : !affordable([rung])
          ? SKIP_REASONS.unaffordable
          : null;
    if (why) {
      skipped.push({ rung, why });
      continue;
    }
    return { kind: 'executor', executor: rung, skipped };
  }
  return { kind: 'human', skipped };
}

/**
 * The two executors of a consensus rung: untried ones first (in ladder order, then the other
 * configured ones), then the strongest tried (highest on the ladder) — a second look by the
 * best agent so far is worth more than none. The first pair that fits the budget together.
 */
export function consensusPair(
  input: Pick<ClimbInput, 'ladder' | 'tried' | 'executors'>,
  affordable: (executors: readonly string[]) => boolean,
): [string, string] | null {
  const onLadder = input.ladder.filter((r) => input.executors.includes(r));
  const byLadder = [...new Set([...onLadder, ...input.executors])];
  const untried = byLadder.filter((e) => !input.tried.includes(e));
  const strongestTried = byLadder.filter((e) => input.tried.includes(e)).reverse();
  const candidates = [...untried, ...strongestTried].filter((e) => affordable([e]));
  for (let i = 0; i < candidates.length; i++)
    for (let j = i + 1; j < candidates.length; j++) {
      const pair: [string, string] = [candidates[i]!, candidates[j]!];
      if (affordable(pair)) return pair;
    }
  return null;
}
