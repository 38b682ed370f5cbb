import type { MessageEntity } from 'grammy/types';
import type { RichText } from './rich-text.js';

/** Telegram refuses message text over 4096 UTF-16 code units (after entity parsing). */
export const TELEGRAM_TEXT_LIMIT = 4096;

interface Span {
  readonly start: number;
  readonly end: number;
}

const SEPARATORS = ['\n\n', '\n', ' '] as const;

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

function splitsPair(text: string, at: number): boolean {
  return isHighSurrogate(text.charCodeAt(at - 1)) && isLowSurrogate(text.charCodeAt(at));
}

// Only the last quarter is searched so a stray early newline cannot leave a tiny piece.
function naturalCut(text: string, windowEnd: number, limit: number): number | undefined {
  const earliest = windowEnd - Math.floor(limit / 4);
  for (const separator of SEPARATORS) {
    const regionStart = Math.max(0, earliest - separator.length);
    const at = text.slice(regionStart, windowEnd).lastIndexOf(separator);
    const cut = regionStart + at + separator.length;
    if (at >= 0 && cut >= earliest) return cut;
  }
  return undefined;
}

/** Moves `from` in `direction` until it is inside no span and no surrogate pair. */
function settle(
  text: string,
  spans: readonly Span[],
  from: number,
  direction: -1 | 1,
  bound: number,
): number | undefined {
  let at = from;
  while (direction < 0 ? at > bound : at <= bound) {
    let next = at;
    for (const span of spans) {
      if (span.start < at && at < span.end) {
        next = direction < 0 ? Math.min(next, span.start) : Math.max(next, span.end);
      }
    }
    if (next === at && splitsPair(text, at)) next = at + direction;
    if (next === at) return at;
    at = next;
  }
  return undefined;
}

function nextCut(text: string, entities: readonly Span[], start: number, limit: number): number {
  const windowEnd = start + limit;
  const candidate = naturalCut(text, windowEnd, limit) ?? windowEnd;
  // Only entities that can still land whole in one piece are protected; earlier ones are split.
  const whole = entities.filter((s) => s.start >= start && s.end - s.start <= limit);
  return (
    settle(text, whole, candidate, -1, start) ??
    settle(text, whole, candidate, 1, windowEnd) ??
    (splitsPair(text, candidate) ? candidate - 1 : candidate)
  );
}

function piece(
  text: string,
  entities: readonly MessageEntity[],
  from: number,
  to: number,
): RichText {
  const clipped: MessageEntity[] = [];
  for (const entity of entities) {
    const start = Math.max(entity.offset, from);
    const end = Math.min(entity.offset + entity.length, to);
    if (end > start) clipped.push({ ...entity, offset: start - from, length: end - start });
  }
  return { text: text.slice(from, to), entities: clipped };
}

/**
 * Splits a message into pieces Telegram accepts, preferring paragraph, line and word breaks
 * and keeping entities whole where they fit; longer entities are split one per piece.
 */
export function splitMessage(message: RichText, limit = TELEGRAM_TEXT_LIMIT): RichText[] {
  // Below 2 a surrogate pair could never fit in one piece.
  if (!Number.isInteger(limit) || limit < 2) {
    throw new RangeError(`splitMessage limit must be an integer >= 2, got ${limit}`);
  }
  const { text } = message;
  if (text.length === 0) return [];
  if (text.length <= limit) return [message];

  const ordered = [...message.entities].sort((a, b) => a.offset - b.offset);
  const spans = ordered.map((e) => ({ start: e.offset, end: e.offset + e.length }));
  const pieces: RichText[] = [];
  let start = 0;
  while (text.length - start > limit) {
    const cut = nextCut(text, spans, start, limit);
    pieces.push(piece(text, ordered, start, cut));
    start = cut;
  }
  pieces.push(piece(text, ordered, start, text.length));
  return pieces;
}
