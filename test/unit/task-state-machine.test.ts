import { describe, expect, it } from 'vitest';
import {
  TRANSITIONS,
  canTransition,
  checkTransition,
  sourcesOf,
} from '../../src/core/task-state-machine.js';
import { TASK_STATUSES, isTerminal, type TaskStatus } from '../../src/core/task.js';

/** SPEC §2, written out by hand so the test does not trust the table it checks. */
const LEGAL: readonly (readonly [TaskStatus, TaskStatus])[] = [
  ['draft', 'awaiting_approval'],
  ['draft', 'queued'],
  ['draft', 'cancelled'],
  ['awaiting_approval', 'queued'],
  ['awaiting_approval', 'rejected'],
  ['awaiting_approval', 'expired'],
  ['awaiting_approval', 'cancelled'],
  ['queued', 'running'],
  ['queued', 'cancelled'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'timed_out'],
  ['running', 'cancelled'],
  ['running', 'lost'],
  ['running', 'queued'],
];

const ALL_STATUSES: readonly TaskStatus[] = [
  'draft',
  'awaiting_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'rejected',
  'expired',
  'lost',
];

const TERMINAL: readonly TaskStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'rejected',
  'expired',
  'lost',
];

const isLegal = (from: TaskStatus, to: TaskStatus): boolean =>
  LEGAL.some(([f, t]) => f === from && t === to);

const PAIRS: [TaskStatus, TaskStatus][] = ALL_STATUSES.flatMap((from) =>
  ALL_STATUSES.map((to): [TaskStatus, TaskStatus] => [from, to]),
);
const LEGAL_PAIRS = PAIRS.filter(([from, to]) => isLegal(from, to));
const ILLEGAL_PAIRS = PAIRS.filter(([from, to]) => !isLegal(from, to));

describe('task state machine', () => {
  it('knows exactly the 11 statuses of SPEC §2', () => {
    expect([...TASK_STATUSES].sort()).toEqual([...ALL_STATUSES].sort());
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ALL_STATUSES].sort());
  });

  it('covers all 121 pairs: 15 legal, 106 illegal', () => {
    expect(PAIRS).toHaveLength(121);
    expect(LEGAL_PAIRS).toHaveLength(15);
    expect(ILLEGAL_PAIRS).toHaveLength(106);
  });

  it.each(LEGAL_PAIRS)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(checkTransition(from, to)).toEqual({ ok: true, value: to });
  });

  it.each(ILLEGAL_PAIRS)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(checkTransition(from, to)).toEqual({
      ok: false,
      error: { code: 'invalid_transition', from, to },
    });
  });

  it('never lets a status move to itself', () => {
    for (const status of ALL_STATUSES) expect(canTransition(status, status)).toBe(false);
  });

  it('treats the same seven statuses as terminal, and they go nowhere', () => {
    for (const status of ALL_STATUSES) {
      expect(isTerminal(status)).toBe(TERMINAL.includes(status));
    }
    for (const from of TERMINAL) {
      expect(TRANSITIONS[from]).toEqual([]);
      for (const to of ALL_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('has no entry in the table that the spec does not list', () => {
    for (const from of ALL_STATUSES) {
      for (const to of TRANSITIONS[from]) expect(isLegal(from, to)).toBe(true);
    }
  });

  describe('sourcesOf', () => {
    const expectedSources = (target: TaskStatus): TaskStatus[] =>
      LEGAL.filter(([, to]) => to === target).map(([from]) => from);

    it.each(ALL_STATUSES.map((s) => [s] as const))('lists every state that can reach %s', (s) => {
      expect([...sourcesOf(s)].sort()).toEqual(expectedSources(s).sort());
    });

    it('gives the guards the use cases rely on', () => {
      expect([...sourcesOf('cancelled')].sort()).toEqual(
        ['awaiting_approval', 'draft', 'queued', 'running'].sort(),
      );
      expect([...sourcesOf('queued')].sort()).toEqual(
        ['awaiting_approval', 'draft', 'running'].sort(),
      );
      expect(sourcesOf('running')).toEqual(['queued']);
      expect(sourcesOf('expired')).toEqual(['awaiting_approval']);
      expect(sourcesOf('lost')).toEqual(['running']);
      expect(sourcesOf('draft')).toEqual([]);
    });
  });
});
