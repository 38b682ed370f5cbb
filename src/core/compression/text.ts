/** Output is read at most this far from each end: enough for every summary line a tool prints. */
export const SCAN_LIMITS = { headChars: 16_000, tailChars: 48_000, lineChars: 400 } as const;

// CSI/OSC escape sequences (colours, cursor moves, hyperlinks) and lone ESC bytes.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Drops ANSI codes and control bytes, turns CRLF and progress-bar CRs into plain lines. */
export function cleanText(raw: string): string {
  return raw
    .replace(ANSI, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(CONTROL, '')
    .replace(/\uFFFD+/g, '?');
}

/**
 * Head and tail of a long text (the middle never holds a tool's summary), cleaned, as lines.
 * Lines are cut at SCAN_LIMITS.lineChars unless `wholeLines` (JSON events must stay whole).
 */
export function scanLines(raw: string | null | undefined, wholeLines = false): string[] {
  if (!raw) return [];
  const { headChars, tailChars, lineChars } = SCAN_LIMITS;
  const text =
    raw.length > headChars + tailChars
      ? `${raw.slice(0, headChars)}\n${raw.slice(raw.length - tailChars)}`
      : raw;
  return cleanText(text)
    .split('\n')
    .map((l) => (!wholeLines && l.length > lineChars ? l.slice(0, lineChars) : l).trimEnd());
}

/** One line, whitespace collapsed, at most `max` code points (never a split surrogate pair). */
export function clip(text: string, max: number): string {
  const flat = cleanText(text)
    .replace(/[\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  const points = Array.from(flat);
  if (points.length <= max) return flat;
  return `${points
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1_000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export const formatCost = (usd: number): string =>
  usd === 0 ? '$0' : usd < 0.01 ? '<$0.01' : `$${usd.toFixed(2)}`;
