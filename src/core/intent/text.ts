/** A word of the message with where it sits in the normalised text. */
export interface Word {
  /** Lower-case form used for matching. */
  readonly lower: string;
  readonly start: number;
  readonly end: number;
}

/**
 * NFKC (full-width letters, ligatures), invisible format characters removed, whitespace
 * collapsed. The result is what prompts and commands are cut from, so nothing else changes.
 */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}._-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;

export function wordsOf(text: string): Word[] {
  const words: Word[] = [];
  for (const m of text.matchAll(WORD)) {
    const start = m.index;
    words.push({ lower: m[0].toLowerCase(), start, end: start + m[0].length });
  }
  return words;
}

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits), capped. */
export function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (prev2[j - 2] ?? 0) + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > cap) return cap + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length] ?? cap + 1;
}

/** Typos allowed for a word of this length: none for short words, where one edit is another word. */
export const typoBudget = (length: number): number => (length >= 8 ? 2 : length >= 5 ? 1 : 0);

/** 0 for an exact match, 1.. for a tolerated typo, null for no match. */
export function closeness(word: string, name: string): number | null {
  if (word === name) return 0;
  const cap = Math.min(typoBudget(word.length), typoBudget(name.length));
  if (cap === 0) return null;
  const d = editDistance(word, name, cap);
  return d <= cap ? d : null;
}
