/** Questions about tasks rather than work to do; the channel answers them from the store. */
export type Query =
  | { readonly type: 'status'; readonly task: string | null }
  | { readonly type: 'running' }
  | { readonly type: 'spend'; readonly period: 'day' | 'month' }
  | { readonly type: 'cancel'; readonly task: string }
  | { readonly type: 'retry'; readonly task: string };

// A task is referred to by its number in the chat (#42), its full id or an id prefix.
const REF = String.raw`#?([0-9a-f]{1,8}(?:-[0-9a-f-]{4,})?|\d{1,9})`;
const SLASH = String.raw`^\/?`;
const END = String.raw`\s*[.!?]*$`;

const RULES: readonly [RegExp, (m: RegExpMatchArray) => Query][] = [
  [
    new RegExp(`${SLASH}(?:cancel|stop|abort|kill)(?: task)? ${REF}${END}`, 'u'),
    (m) => ({ type: 'cancel', task: m[1] ?? '' }),
  ],
  [
    new RegExp(`${SLASH}(?:retry|rerun|re-run|run again)(?: task)? ${REF}${END}`, 'u'),
    (m) => ({ type: 'retry', task: m[1] ?? '' }),
  ],
  [
    new RegExp(
      `${SLASH}(?:status|state|how is|how's|what about)(?: of)?(?: task)? ${REF}${END}`,
      'u',
    ),
    (m) => ({ type: 'status', task: m[1] ?? null }),
  ],
  [
    /^\/?(?:status|stat|queue|what'?s up|how are things|overview)\s*[.!?]*$/u,
    () => ({ type: 'status', task: null }),
  ],
  [
    /^(?:\/running|what(?:'s| is| are)? (?:still )?running(?: now| right now)?|(?:anything|what'?s) (?:still )?running|running|which tasks are running|what is going on|what'?s happening)\s*[.!?]*$/u,
    () => ({ type: 'running' }),
  ],
  [
    /^\/?(?:spend|spent|cost|costs|spending|budget|how much (?:did (?:i|we) |have (?:i|we) )?(?:spend|spent|cost)?)(?: so far)?(?: (?:for |in )?(?:today|this day|the day|day))?(?: so far)?\s*[.!?]*$/u,
    () => ({ type: 'spend', period: 'day' }),
  ],
  [
    /^\/?(?:spend|spent|cost|costs|spending|budget|how much (?:did (?:i|we) |have (?:i|we) )?(?:spend|spent|cost)?)(?: so far)? (?:for |in )?(?:this month|the month|month|monthly)(?: so far)?\s*[.!?]*$/u,
    () => ({ type: 'spend', period: 'month' }),
  ],
];

/** A query when the whole (lower-case, normalised) message is one; otherwise null. */
export function matchQuery(lower: string): Query | null {
  if (lower.length > 80) return null;
  // Phones type the typographic apostrophe ("what’s running?"): read it as the plain one.
  lower = lower.replace(/[\u2018\u2019\u02BC]/g, "'");
  for (const [pattern, build] of RULES) {
    const m = lower.match(pattern);
    if (m) return build(m);
  }
  return null;
}
