import { describe, expect, it } from 'vitest';
import { CLIMBABLE_FAILURES, nextRung } from '../../src/core/escalation.js';

const ladder = ['gemini-flash', 'codex', 'claude-sonnet', 'consensus', 'human'];
const executors = ['gemini-flash', 'codex', 'claude-sonnet', 'claude-opus'];

describe('nextRung: one rung up the ladder (SPEC §3.3)', () => {
  it('climbs from each rung to the next, and hands over to a human at the end', () => {
    const from = (current: string) => nextRung({ ladder, current, tried: [current], executors });
    expect(from('gemini-flash')).toEqual({ kind: 'executor', executor: 'codex', skipped: [] });
    expect(from('codex')).toEqual({ kind: 'executor', executor: 'claude-sonnet', skipped: [] });
    // consensus as a rung is passed over (and named); then the operator decides.
    expect(from('claude-sonnet')).toEqual({ kind: 'human', skipped: ['consensus'] });
  });
  it('starts at the bottom for an executor that is not on the ladder', () => {
    expect(nextRung({ ladder, current: 'claude-opus', tried: ['claude-opus'], executors })).toEqual(
      { kind: 'executor', executor: 'gemini-flash', skipped: [] },
    );
  });
  it('skips rungs that are tried, unconfigured or unaffordable, and says which', () => {
    expect(
      nextRung({
        ladder: ['a', 'b', 'c', 'd', 'e'],
        current: 'a',
        tried: ['a', 'b'],
        executors: ['a', 'b', 'd', 'e'],
        affordable: (e) => e !== 'd',
      }),
    ).toEqual({ kind: 'executor', executor: 'e', skipped: ['b', 'c', 'd'] });
    expect(
      nextRung({
        ladder: ['a', 'b'],
        current: 'a',
        tried: ['a'],
        executors: ['a', 'b'],
        affordable: () => false,
      }),
    ).toEqual({ kind: 'human', skipped: ['b'] });
  });
  it('climbs only on failures another agent could fix', () => {
    for (const c of ['failed', 'timeout', 'output_parse_error', 'auth_failure'])
      expect(CLIMBABLE_FAILURES.has(c), c).toBe(true);
    for (const c of ['cancelled', 'host_unreachable', 'host_key_mismatch', 'network_failure'])
      expect(CLIMBABLE_FAILURES.has(c), c).toBe(false);
  });
});
