import type { RiskAssessment } from './approval-policy.js';

/** Why a guessed request waits: shown on its card and kept as the task's risk reason. */
export const GUESS_REASON = 'a guess at what was meant: runs after Run';

/**
 * A guessed reading (the parser's fallback to the default agent, or a model's reading) never
 * runs at 0 taps: work that would start at once waits for one Run tap instead. A gate the
 * risk already demands (a tap, the typed phrase) is kept: a guess never lowers it.
 */
export function gateForGuess(assessment: RiskAssessment, guess: boolean): RiskAssessment {
  if (!guess || assessment.gate !== 'none') return assessment;
  return { ...assessment, gate: 'confirm', reason: GUESS_REASON };
}
