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
/** Two executors side by side; as a rung it is skipped for now (consensus runs on request). */
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

export type NextRung =
  | { readonly kind: 'executor'; readonly executor: string; readonly skipped: readonly string[] }
  /** The ladder is done: hand over to the operator with the history so far. */
  | { readonly kind: 'human'; readonly skipped: readonly string[] };

export interface ClimbInput {
  readonly ladder: readonly string[];
  /** The executor that just failed. */
  readonly current: string;
  /** Executors this task already ran on (each rung at most once). */
  readonly tried: readonly string[];
  /** Configured executors: a rung naming anything else is skipped. */
  readonly executors: readonly string[];
  /** False for a rung whose estimated cost would breach a spend breaker. */
  readonly affordable?: ((executor: string) => boolean) | undefined;
}

/**
 * The rung after `current` (or the ladder's first if `current` is not on it) that is a
 * configured, affordable executor not tried yet. Skipped rungs are named, so the history
 * can say why a rung was passed over.
 */
export function nextRung(input: ClimbInput): NextRung {
  const at = input.ladder.indexOf(input.current);
  const skipped: string[] = [];
  for (const rung of input.ladder.slice(at + 1)) {
    if (rung === HUMAN_RUNG) return { kind: 'human', skipped };
    if (
      rung === CONSENSUS_RUNG ||
      !input.executors.includes(rung) ||
      input.tried.includes(rung) ||
      input.affordable?.(rung) === false
    ) {
      skipped.push(rung);
      continue;
    }
    return { kind: 'executor', executor: rung, skipped };
  }
  return { kind: 'human', skipped };
}
