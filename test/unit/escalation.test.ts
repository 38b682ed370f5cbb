import { describe, expect, it } from 'vitest';
import {
  CLIMBABLE_FAILURES,
  consensusPair,
  nextRung,
  SKIP_REASONS,
} from '../../src/core/escalation.js';

const ladder = ['gemini-flash', 'codex', 'claude-sonnet', 'consensus', 'human'];
const executors = ['gemini-flash', 'codex', 'claude-sonnet', 'claude-opus'];

describe('nextRung: one rung up the ladder (SPEC §3.3)', () => {
  it('climbs from each rung to the next, through consensus, and hands over to a human at the end', () => {
    const from = (current: string, tried = [current]) =>
      nextRung({ ladder, current, tried, executors });
    expect(from('gemini-flash')).toEqual({ kind: 'executor', executor: 'codex', skipped: [] });
    expect(from('codex')).toEqual({ kind: 'executor', executor: 'claude-sonnet', skipped: [] });
    // consensus: the one configured executor not tried yet, and the strongest tried one.
    expect(from('claude-sonnet', ['gemini-flash', 'codex', 'claude-sonnet'])).toEqual({
      kind: 'consensus',
      executors: ['claude-opus', 'claude-sonnet'],
      skipped: [],
    });
    // After the consensus rung: the operator decides.
    expect(from('consensus', ['gemini-flash', 'codex', 'claude-sonnet', 'consensus'])).toEqual({
      kind: 'human',
      skipped: [],
    });
  });
  it('never runs a consensus twice, even when the ladder names it twice', () => {
    expect(
      nextRung({
        ladder: ['a', 'consensus', 'consensus', 'human'],
        current: 'consensus',
        tried: ['a', 'b', 'consensus'],
        executors: ['a', 'b'],
      }),
    ).toEqual({ kind: 'human', skipped: [{ rung: 'consensus', why: SKIP_REASONS.tried }] });
  });
  it('skips the consensus rung when no two executors fit the budget together, and says why', () => {
    const cheapOnly = (names: readonly string[]) => names.length < 2;
    expect(
      nextRung({
        ladder,
        current: 'claude-sonnet',
        tried: ['claude-sonnet'],
        executors,
        affordable: cheapOnly,
      }),
    ).toEqual({ kind: 'human', skipped: [{ rung: 'consensus', why: SKIP_REASONS.noPair }] });
    // One executor over budget on its own: the pair is made of the others.
    expect(
      consensusPair(
        { ladder, tried: ['gemini-flash', 'codex', 'claude-sonnet'], executors },
        (names) => !names.includes('claude-opus'),
      ),
    ).toEqual(['claude-sonnet', 'codex']);
    expect(consensusPair({ ladder, tried: [], executors: ['only-one'] }, () => true)).toBeNull();
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
        affordable: (e) => !e.includes('d'),
      }),
    ).toEqual({
      kind: 'executor',
      executor: 'e',
      skipped: [
        { rung: 'b', why: SKIP_REASONS.tried },
        { rung: 'c', why: SKIP_REASONS.unconfigured },
        { rung: 'd', why: SKIP_REASONS.unaffordable },
      ],
    });
    expect(
      nextRung({
        ladder: ['a', 'b'],
        current: 'a',
        tried: ['a'],
        executors: ['a', 'b'],
        affordable: () => false,
      }),
    ).toEqual({ kind: 'human', skipped: [{ rung: 'b', why: SKIP_REASONS.unaffordable }] });
  });
  it('climbs only on failures another agent could fix', () => {
    for (const c of ['failed', 'timeout', 'output_parse_error', 'auth_failure'])
      expect(CLIMBABLE_FAILURES.has(c), c).toBe(true);
    for (const c of ['cancelled', 'host_unreachable', 'host_key_mismatch', 'network_failure'])
      expect(CLIMBABLE_FAILURES.has(c), c).toBe(false);
  });
});
