import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bold,
  code,
  italic,
  join,
  lines,
  link,
  plain,
  pre,
  type RichText,
} from '../../src/bot/views/rich-text.js';

describe('rich-text builders', () => {
  it('plain carries no entities', () => {
    expect(plain('a <b> & *c*')).toEqual({ text: 'a <b> & *c*', entities: [] });
  });

  it('bold and italic wrap the whole text', () => {
    expect(bold('hi')).toEqual({ text: 'hi', entities: [{ type: 'bold', offset: 0, length: 2 }] });
    expect(italic('hey')).toEqual({
      text: 'hey',
      entities: [{ type: 'italic', offset: 0, length: 3 }],
    });
  });

  it('never produces zero-length entities', () => {
    expect(bold('')).toEqual({ text: '', entities: [] });
    expect(italic(plain(''))).toEqual({ text: '', entities: [] });
    expect(code('').entities).toEqual([]);
    expect(pre('', 'ts').entities).toEqual([]);
    expect(link('', 'https://example.com').entities).toEqual([]);
  });

  it('keeps nested entities, outer first', () => {
    const nested = bold(join(['x ', italic('yz')]));
    expect(nested).toEqual({
      text: 'x yz',
      entities: [
        { type: 'bold', offset: 0, length: 4 },
        { type: 'italic', offset: 2, length: 2 },
      ],
    });
  });

  it('code, pre and link carry their attributes', () => {
    expect(code('ls -la').entities).toEqual([{ type: 'code', offset: 0, length: 6 }]);
    expect(pre('x = 1', 'python').entities).toEqual([
      { type: 'pre', offset: 0, length: 5, language: 'python' },
    ]);
    expect(link('docs', 'https://example.com/d').entities).toEqual([
      { type: 'text_link', offset: 0, length: 4, url: 'https://example.com/d' },
    ]);
  });

  it('pre without a language has no language key at all', () => {
    const [entity] = pre('out').entities;
    expect(entity).toEqual({ type: 'pre', offset: 0, length: 3 });
    expect(entity !== undefined && 'language' in entity).toBe(false);
  });

  it('join shifts offsets by UTF-16 length, counting emoji as two units', () => {
    const joined = join(['😀', bold('a'), '中', code('b')], ' ');
    expect(joined.text).toBe('😀 a 中 b');
    expect(joined.entities).toEqual([
      { type: 'bold', offset: 3, length: 1 },
      { type: 'code', offset: 7, length: 1 },
    ]);
  });

  it('join of nothing is empty', () => {
    expect(join([])).toEqual({ text: '', entities: [] });
  });

  it('lines skips null, undefined and false but keeps empty strings', () => {
    const built = lines(bold('Title'), null, '', undefined, false, link('x', 'https://x.test'));
    expect(built.text).toBe('Title\n\nx');
    expect(built.entities).toEqual([
      { type: 'bold', offset: 0, length: 5 },
      { type: 'text_link', offset: 7, length: 1, url: 'https://x.test' },
    ]);
  });
});

const fragment = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('😀', '👍🏽', '\n', ' ', 'é', '中文'),
);

const richPart: fc.Arbitrary<string | RichText> = fc.oneof(
  fragment,
  fragment.map(bold),
  fragment.map((t) => italic(bold(join([t, code(t)])))),
  fc.tuple(fragment, fc.option(fc.string(), { nil: undefined })).map(([t, l]) => pre(t, l)),
  fragment.map((t) => link(t, 'https://example.com')),
);

const textOf = (part: string | RichText): string => (typeof part === 'string' ? part : part.text);

describe('rich-text properties', () => {
  it('join text is the concatenation and every entity still covers its own text', () => {
    fc.assert(
      fc.property(
        fc.array(richPart, { maxLength: 8 }),
        fc.constantFrom('', '\n', ', '),
        (parts, sep) => {
          const joined = join(parts, sep);
          expect(joined.text).toBe(parts.map(textOf).join(sep));

          const expected = parts.flatMap((part) =>
            typeof part === 'string'
              ? []
              : part.entities.map((e) => ({
                  type: e.type,
                  text: part.text.slice(e.offset, e.offset + e.length),
                })),
          );
          const actual = joined.entities.map((e) => ({
            type: e.type,
            text: joined.text.slice(e.offset, e.offset + e.length),
          }));
          expect(actual).toEqual(expected);
        },
      ),
    );
  });

  it('entities are non-empty, in bounds and in ascending offset order', () => {
    fc.assert(
      fc.property(fc.array(richPart, { maxLength: 8 }), (parts) => {
        const built = lines(...parts);
        let previous = 0;
        for (const e of built.entities) {
          expect(e.length).toBeGreaterThanOrEqual(1);
          expect(e.offset).toBeGreaterThanOrEqual(previous);
          expect(e.offset + e.length).toBeLessThanOrEqual(built.text.length);
          previous = e.offset;
        }
      }),
    );
  });
});
