import fc from 'fast-check';
import type { MessageEntity } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import {
  bold,
  italic,
  join,
  lines,
  link,
  plain,
  pre,
  type RichText,
} from '../../src/bot/views/rich-text.js';
import { TELEGRAM_TEXT_LIMIT, splitMessage } from '../../src/bot/views/split-message.js';

const texts = (pieces: readonly RichText[]): string[] => pieces.map((p) => p.text);
const lengths = (pieces: readonly RichText[]): number[] => pieces.map((p) => p.text.length);

describe('splitMessage concrete cases', () => {
  it('returns a message of exactly 4096 units as one unchanged piece', () => {
    const message = bold('x'.repeat(TELEGRAM_TEXT_LIMIT));
    expect(TELEGRAM_TEXT_LIMIT).toBe(4096);
    expect(splitMessage(message)).toEqual([message]);
  });

  it('cuts 4097 units with no break hard at the limit', () => {
    expect(lengths(splitMessage(plain('y'.repeat(4097))))).toEqual([4096, 1]);
  });

  it('returns no pieces for empty text', () => {
    expect(splitMessage(plain(''))).toEqual([]);
    expect(splitMessage(bold(''), 2)).toEqual([]);
  });

  it('rejects limits below 2 or non-integers', () => {
    expect(() => splitMessage(plain('abc'), 1)).toThrow(RangeError);
    expect(() => splitMessage(plain('abc'), 0)).toThrow(RangeError);
    expect(() => splitMessage(plain('abc'), 2.5)).toThrow(RangeError);
  });

  it('splits 4,097 units of pre output at a newline and keeps the header bold whole', () => {
    const output = 'build log line\n'.repeat(300).slice(0, 4097);
    const message = lines(bold('$ npm test'), pre(output, 'text'));
    expect(message.text.length).toBe(4108);

    const pieces = splitMessage(message);
    expect(texts(pieces).join('')).toBe(message.text);
    expect(lengths(pieces)).toEqual([4091, 17]);
    expect(pieces[0]?.text.endsWith('\n')).toBe(true);
    expect(pieces[0]?.entities).toEqual([
      { type: 'bold', offset: 0, length: 10 },
      { type: 'pre', offset: 11, length: 4080, language: 'text' },
    ]);
    expect(pieces[1]?.entities).toEqual([{ type: 'pre', offset: 0, length: 17, language: 'text' }]);
  });

  it('splits 20,000 units of pre output into line-aligned pieces, one pre entity each', () => {
    const output = `${'x'.repeat(79)}\n`.repeat(250);
    expect(output.length).toBe(20_000);

    const pieces = splitMessage(pre(output, 'sh'));
    expect(texts(pieces).join('')).toBe(output);
    expect(lengths(pieces)).toEqual([4080, 4080, 4080, 4080, 3680]);
    for (const piece of pieces) {
      expect(piece.text.endsWith('\n')).toBe(true);
      expect(piece.entities).toEqual([
        { type: 'pre', offset: 0, length: piece.text.length, language: 'sh' },
      ]);
    }
  });

  it('cuts 20,000 units with no breaks hard at every limit', () => {
    const pieces = splitMessage(pre('z'.repeat(20_000)));
    expect(lengths(pieces)).toEqual([4096, 4096, 4096, 4096, 3616]);
    expect(pieces.map((p) => p.entities)).toEqual(
      lengths(pieces).map((length) => [{ type: 'pre', offset: 0, length }]),
    );
  });

  it('moves a bold entity straddling the natural cut whole into the next piece', () => {
    const message = join(['x'.repeat(4090), ' ', bold('bold words here'), ' tail']);
    const pieces = splitMessage(message);
    expect(texts(pieces)).toEqual([`${'x'.repeat(4090)} `, 'bold words here tail']);
    expect(pieces[0]?.entities).toEqual([]);
    expect(pieces[1]?.entities).toEqual([{ type: 'bold', offset: 0, length: 15 }]);
  });

  it('cuts after an entity that starts the piece when the natural cut falls inside it', () => {
    const message = join([bold('aaaa bbbb cccc ddd'), 'z'.repeat(10)]);
    const pieces = splitMessage(message, 20);
    expect(texts(pieces)).toEqual(['aaaa bbbb cccc ddd', 'zzzzzzzzzz']);
    expect(pieces[0]?.entities).toEqual([{ type: 'bold', offset: 0, length: 18 }]);
    expect(pieces[1]?.entities).toEqual([]);
  });

  it('never cuts an emoji surrogate pair at the limit', () => {
    expect(texts(splitMessage(plain(`${'a'.repeat(4095)}😀b`)))).toEqual(['a'.repeat(4095), '😀b']);
    expect(texts(splitMessage(plain('😀😀😀'), 2))).toEqual(['😀', '😀', '😀']);
    expect(texts(splitMessage(plain('ab😀c'), 3))).toEqual(['ab', '😀c']);
  });

  it('splits an emoji-bold entity on pair boundaries with offsets in UTF-16 units', () => {
    const pieces = splitMessage(bold('😀😀😀'), 3);
    expect(texts(pieces)).toEqual(['😀', '😀', '😀']);
    expect(pieces.map((p) => p.entities)).toEqual([
      [{ type: 'bold', offset: 0, length: 2 }],
      [{ type: 'bold', offset: 0, length: 2 }],
      [{ type: 'bold', offset: 0, length: 2 }],
    ]);
  });

  it('prefers a paragraph break over a later newline or space', () => {
    const message = plain(`${'a'.repeat(13)}\n\nb\nc d${'e'.repeat(10)}`);
    expect(splitMessage(message, 20)[0]?.text).toBe(`${'a'.repeat(13)}\n\n`);
  });

  it('prefers a newline over a later space', () => {
    const message = plain(`${'a'.repeat(15)}\nb ${'c'.repeat(10)}`);
    expect(splitMessage(message, 20)[0]?.text).toBe(`${'a'.repeat(15)}\n`);
  });

  it('ignores breaks before the last quarter of the window', () => {
    const spaced = plain(`${'a'.repeat(11)}\n${'b'.repeat(6)} ${'c'.repeat(10)}`);
    expect(lengths(splitMessage(spaced, 20))).toEqual([19, 10]);
    const unbroken = plain(`${'a'.repeat(11)}\n${'b'.repeat(24)}`);
    expect(lengths(splitMessage(unbroken, 20))).toEqual([20, 16]);
  });

  it('splits an over-long link into one text_link per piece, keeping the url', () => {
    const pieces = splitMessage(link('x'.repeat(50), 'https://example.com/run/7'), 20);
    expect(pieces.map((p) => p.entities)).toEqual(
      [20, 20, 10].map((length) => [
        { type: 'text_link', offset: 0, length, url: 'https://example.com/run/7' },
      ]),
    );
  });

  it('keeps a nested entity whole while splitting its over-long parent', () => {
    const message = bold(join(['x'.repeat(15), italic('y'.repeat(10)), 'x'.repeat(5)]));
    const pieces = splitMessage(message, 20);
    expect(lengths(pieces)).toEqual([15, 15]);
    expect(pieces[0]?.entities).toEqual([{ type: 'bold', offset: 0, length: 15 }]);
    expect(pieces[1]?.entities).toEqual([
      { type: 'bold', offset: 0, length: 15 },
      { type: 'italic', offset: 0, length: 10 },
    ]);
  });

  it('emits entities in ascending offset order even if given out of order', () => {
    const message: RichText = {
      text: 'a'.repeat(30),
      entities: [
        { type: 'italic', offset: 22, length: 3 },
        { type: 'bold', offset: 2, length: 3 },
        { type: 'code', offset: 21, length: 8 },
      ],
    };
    const pieces = splitMessage(message, 20);
    expect(lengths(pieces)).toEqual([20, 10]);
    expect(pieces[1]?.entities).toEqual([
      { type: 'code', offset: 1, length: 8 },
      { type: 'italic', offset: 2, length: 3 },
    ]);
  });
});

// Property-test generators: texts mixing ASCII, breaks and astral characters.
const TOKENS = ['a', 'b', 'word ', ' ', '\n', '\n\n', '😀', '👍🏽', 'é', '中'] as const;
const textArb = fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }).map((t) => t.join(''));

const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;
const splitsPair = (text: string, at: number): boolean =>
  isHigh(text.charCodeAt(at - 1)) && isLow(text.charCodeAt(at));

const codePointBoundaries = (text: string): number[] =>
  Array.from({ length: text.length + 1 }, (_, i) => i).filter((i) => !splitsPair(text, i));

const KINDS = ['bold', 'italic', 'code', 'pre', 'text_link', 'custom_emoji'] as const;
type Kind = (typeof KINDS)[number];

// Attribute-carrying kinds get a unique attribute so each original entity is traceable.
function makeEntity(kind: Kind, id: number, offset: number, length: number): MessageEntity {
  switch (kind) {
    case 'pre':
      return { type: 'pre', offset, length, language: `lang${id}` };
    case 'text_link':
      return { type: 'text_link', offset, length, url: `https://example.com/${id}` };
    case 'custom_emoji':
      return { type: 'custom_emoji', offset, length, custom_emoji_id: `emoji${id}` };
    default:
      return { type: kind, offset, length };
  }
}

const messageArb: fc.Arbitrary<RichText> = textArb.chain((text) => {
  const bounds = codePointBoundaries(text);
  const index = fc.nat({ max: bounds.length - 1 });
  const raw = fc.record({ a: index, b: index, kind: fc.constantFrom(...KINDS) });
  return fc.array(raw, { maxLength: 6 }).map((specs) => ({
    text,
    entities: specs
      .flatMap(({ a, b, kind }, id) => {
        const lo = bounds[Math.min(a, b)] ?? 0;
        const hi = bounds[Math.max(a, b)] ?? 0;
        return hi > lo ? [makeEntity(kind, id, lo, hi - lo)] : [];
      })
      .sort((x, y) => x.offset - y.offset),
  }));
});

const limitArb = fc.integer({ min: 2, max: 40 });

interface Placed {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

const keyOf = (entity: MessageEntity): string => {
  const { offset: _offset, length: _length, ...attributes } = entity;
  return JSON.stringify(attributes, Object.keys(attributes).sort());
};

const pieceStarts = (pieces: readonly RichText[]): number[] => {
  let at = 0;
  return pieces.map((p) => {
    const start = at;
    at += p.text.length;
    return start;
  });
};

const placedEntities = (pieces: readonly RichText[]): Placed[] => {
  const starts = pieceStarts(pieces);
  return pieces.flatMap((piece, i) =>
    piece.entities.map((e) => {
      const start = (starts[i] ?? 0) + e.offset;
      return { key: keyOf(e), start, end: start + e.length };
    }),
  );
};

/** Merges ranges into sorted disjoint intervals, so equal coverage compares equal. */
const coverage = (ranges: readonly { start: number; end: number }[]): [number, number][] => {
  const merged: [number, number][] = [];
  for (const { start, end } of [...ranges].sort((x, y) => x.start - y.start)) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
};

describe('splitMessage properties', () => {
  it('pieces concatenate to the original and each is 1..limit units', () => {
    fc.assert(
      fc.property(messageArb, limitArb, (message, limit) => {
        const pieces = splitMessage(message, limit);
        expect(texts(pieces).join('')).toBe(message.text);
        for (const piece of pieces) {
          expect(piece.text.length).toBeGreaterThanOrEqual(1);
          expect(piece.text.length).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never cuts inside a surrogate pair', () => {
    fc.assert(
      fc.property(messageArb, limitArb, (message, limit) => {
        const pieces = splitMessage(message, limit);
        for (const start of pieceStarts(pieces)) {
          expect(splitsPair(message.text, start)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every entity is non-empty, inside its piece and in ascending order', () => {
    fc.assert(
      fc.property(messageArb, limitArb, (message, limit) => {
        for (const piece of splitMessage(message, limit)) {
          let previous = 0;
          for (const e of piece.entities) {
            expect(e.length).toBeGreaterThanOrEqual(1);
            expect(e.offset).toBeGreaterThanOrEqual(previous);
            expect(e.offset + e.length).toBeLessThanOrEqual(piece.text.length);
            previous = e.offset;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('each original entity is covered by its fragments exactly, contiguously and once', () => {
    fc.assert(
      fc.property(messageArb, limitArb, (message, limit) => {
        const pieces = splitMessage(message, limit);
        const placed = placedEntities(pieces);
        const originalKeys = new Set(message.entities.map(keyOf));
        for (const p of placed) expect(originalKeys.has(p.key)).toBe(true);

        for (const key of originalKeys) {
          const originals = message.entities
            .filter((e) => keyOf(e) === key)
            .map((e) => ({ start: e.offset, end: e.offset + e.length }));
          const fragments = placed.filter((p) => p.key === key);
          expect(coverage(fragments)).toEqual(coverage(originals));
          if (originals.length === 1) {
            const sorted = [...fragments].sort((x, y) => x.start - y.start);
            sorted.forEach((f, i) => {
              const next = sorted[i + 1];
              if (next !== undefined) expect(next.start).toBe(f.end);
            });
          }
        }

        // Each original yields exactly one fragment per piece it overlaps.
        const starts = pieceStarts(pieces);
        const expectedCount = message.entities.reduce(
          (sum, e) =>
            sum +
            pieces.filter((piece, i) => {
              const from = starts[i] ?? 0;
              return e.offset < from + piece.text.length && e.offset + e.length > from;
            }).length,
          0,
        );
        expect(placed.length).toBe(expectedCount);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps disjoint entities that fit the limit whole', () => {
    const disjointArb = fc
      .tuple(
        fc.array(fc.tuple(textArb, textArb, fc.constantFrom(...KINDS)), { maxLength: 5 }),
        fc.integer({ min: 8, max: 60 }),
      )
      .map(([parts, limit]) => {
        const fitting = parts.map(
          ([gap, body, kind]) => [gap, body.slice(0, limit), kind] as const,
        );
        return { limit, parts: fitting };
      });
    fc.assert(
      fc.property(disjointArb, ({ limit, parts }) => {
        let text = '';
        const entities: MessageEntity[] = [];
        parts.forEach(([gap, body, kind], id) => {
          text += gap;
          // Slicing can halve a surrogate pair; keep only whole code points.
          const whole = splitsPair(body, body.length) ? body.slice(0, -1) : body;
          if (whole.length > 0) entities.push(makeEntity(kind, id, text.length, whole.length));
          text += whole;
        });
        const pieces = splitMessage({ text, entities }, limit);
        const placed = placedEntities(pieces);
        expect(placed).toHaveLength(entities.length);
        expect(placed.map((p) => [p.start, p.end])).toEqual(
          entities.map((e) => [e.offset, e.offset + e.length]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('entity types survive splitting', () => {
    fc.assert(
      fc.property(messageArb, limitArb, (message, limit) => {
        const before = new Set(message.entities.map((e) => e.type));
        const after = new Set(
          splitMessage(message, limit).flatMap((p) => p.entities.map((e) => e.type)),
        );
        expect([...after].sort()).toEqual([...before].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('without entities, a piece ends at a newline whenever its window has one late enough', () => {
    fc.assert(
      fc.property(textArb, limitArb, (text, limit) => {
        const pieces = splitMessage(plain(text), limit);
        const starts = pieceStarts(pieces);
        pieces.slice(0, -1).forEach((piece, i) => {
          const windowEnd = (starts[i] ?? 0) + limit;
          const earliest = windowEnd - Math.floor(limit / 4);
          const tail = text.slice(earliest - 1, windowEnd);
          if (tail.includes('\n')) expect(piece.text.endsWith('\n')).toBe(true);
          else if (tail.includes(' ')) expect(piece.text.endsWith(' ')).toBe(true);
          else expect([limit - 1, limit]).toContain(piece.text.length);
        });
      }),
      { numRuns: 300 },
    );
  });
});
