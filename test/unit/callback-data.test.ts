import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALLBACK_ACTIONS,
  answerCallback,
  consentCallback,
  ladderCallback,
  parseCallback,
  parseConsentCallback,
  parseLadderCallback,
  parsePermissionCallback,
  permissionCallback,
  taskCallback,
  type CallbackAction,
} from '../../src/bot/callback-data.js';

// Telegram refuses a whole keyboard when one button's callback_data is over 64 bytes.
const LIMIT = 64;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const RUNS = { numRuns: 500 };
const TASK_ID = '01a20286-4597-76c3-aed0-aa8a3b49479c';

const TASK_ACTIONS = Object.keys(CALLBACK_ACTIONS).filter((a) => a !== 'answer') as Exclude<
  CallbackAction,
  'answer'
>[];
/** Ids are UUIDv7s (36 characters); every version and the extremes of the hex range too. */
const id = fc.oneof(
  fc.uuid({ version: 7 }),
  fc.uuid(),
  fc.constantFrom('ffffffff-ffff-7fff-bfff-ffffffffffff', '00000000-0000-7000-8000-000000000000'),
);
const base36 = fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyz');
/** Executor names from the config's alphabet, far past the longest that fits, and anything at all. */
const executorName = fc.oneof(
  fc.string({
    unit: fc.constantFrom(...'abcXYZ019._-'),
    minLength: 1,
    maxLength: 80,
  }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constant('x'.repeat(64)),
);

/** A builder either refuses its input (throws or returns null) or yields data within the limit. */
function built(make: () => string | null): string | null {
  try {
    return make();
  } catch {
    return null;
  }
}

describe('callback data fits Telegram’s 64 bytes, whatever the ids and names', () => {
  it('task buttons: every action over any task id', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TASK_ACTIONS), id, (action, taskId) => {
        const data = taskCallback(action, taskId);
        expect(bytes(data)).toBeLessThanOrEqual(LIMIT);
        expect(parseCallback(data)).toEqual({ action, taskId });
      }),
      RUNS,
    );
  });

  it('answers: nonces and choices up to and past their caps are refused or fit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: base36, minLength: 0, maxLength: 80 }),
        fc.integer({ min: -10, max: 10_000 }),
        (nonce, choice) => {
          const data = built(() => answerCallback(nonce, choice));
          if (data === null) return;
          expect(bytes(data)).toBeLessThanOrEqual(LIMIT);
          expect(parseCallback(data)).toEqual({ action: 'answer', nonce, choice });
        },
      ),
      {
        ...RUNS,
        examples: [
          ['z'.repeat(16), 99],
          ['z'.repeat(62), 9],
          ['z'.repeat(80), 99],
        ],
      },
    );
  });

  it('agent permission and app consent buttons over any id', () => {
    fc.assert(
      fc.property(id, fc.boolean(), (requestId, allow) => {
        const permission = permissionCallback(allow ? 'allow' : 'deny', requestId);
        const consent = consentCallback(allow, requestId);
        expect(bytes(permission)).toBeLessThanOrEqual(LIMIT);
        expect(bytes(consent)).toBeLessThanOrEqual(LIMIT);
        expect(parsePermissionCallback(permission)).toEqual({
          action: allow ? 'allow' : 'deny',
          requestId,
        });
        expect(parseConsentCallback(consent)).toEqual({ grantId: requestId, allow });
      }),
      RUNS,
    );
  });

  it('ladder buttons: a name too long for 64 bytes gets no button, never a cut one', () => {
    fc.assert(
      fc.property(id, fc.option(executorName, { nil: null }), (taskId, executor) => {
        const data = built(() => ladderCallback(taskId, executor));
        if (data === null) {
          // Only a name can be refused, and only one that would not fit or is not a name.
          expect(executor).not.toBeNull();
          return;
        }
        expect(bytes(data)).toBeLessThanOrEqual(LIMIT);
        expect(parseLadderCallback(data)).toEqual(
          executor === null ? { kind: 'drop', taskId } : { kind: 'rerun', taskId, executor },
        );
      }),
      {
        ...RUNS,
        examples: [
          [TASK_ID, 'x'.repeat(28)],
          [TASK_ID, 'x'.repeat(29)],
        ],
      },
    );
    expect(ladderCallback(TASK_ID, 'x'.repeat(28))).toHaveLength(LIMIT);
  });

  it('parsers accept only what the builders make: anything parsed builds back to the same bytes', () => {
    const near = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc
        .tuple(
          fc.constantFrom('ap:', 'rj:', 'cx:', 'q:', 'pa:', 'oa:', 'lr:', 'ld:'),
          fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:-xz'), maxLength: 90 }),
        )
        .map(([prefix, rest]) => prefix + rest),
    );
    fc.assert(
      fc.property(near, (data) => {
        const task = parseCallback(data);
        if (task)
          expect(
            task.action === 'answer'
              ? answerCallback(task.nonce, task.choice)
              : taskCallback(task.action, task.taskId),
          ).toBe(data);
        const permission = parsePermissionCallback(data);
        if (permission)
          expect(permissionCallback(permission.action, permission.requestId)).toBe(data);
        const consent = parseConsentCallback(data);
        if (consent) expect(consentCallback(consent.allow, consent.grantId)).toBe(data);
        const ladder = parseLadderCallback(data);
        if (ladder)
          expect(
            ladderCallback(ladder.taskId, ladder.kind === 'rerun' ? ladder.executor : null),
          ).toBe(data);
      }),
      { numRuns: 2_000 },
    );
  });
});
