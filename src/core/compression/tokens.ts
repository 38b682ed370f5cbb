// A word: lower case, Capitalised or a short upper-case run, with a vowel in it.
const WORDLIKE = /^(?:[A-Z]?[a-z]+|[A-Z]{1,4})$/;
const VOWEL = /[aeiouyAEIOUY]/;

/**
 * An upper estimate of the tokens a BPE tokenizer (o200k / cl100k) spends on a text, without
 * shipping one in core: a word-like letter run costs one token per 2 letters, any other letter
 * run (hashes, mixed case) one per letter, digit runs one per 3 digits (both tokenizers group
 * at most 3), every punctuation mark and whitespace run one, and a non-ASCII character one per
 * UTF-8 byte (byte-level BPE never needs more). The compression tests check it against
 * gpt-tokenizer on the corpus and on random labels.
 */
export function estimateTokens(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/[A-Za-z]+|[0-9]+|\s+|[!-/:-@[-`{-~]|[^\p{ASCII}]/gu)) {
    const t = m[0];
    const c = t.codePointAt(0)!;
    if (c > 0x7f) total += c <= 0x7ff ? 2 : c <= 0xffff ? 3 : 4;
    else if (/[A-Za-z]/.test(t[0]!))
      total += WORDLIKE.test(t) && VOWEL.test(t) ? Math.ceil(t.length / 2) : t.length;
    else if (/[0-9]/.test(t[0]!)) total += Math.ceil(t.length / 3);
    else total += 1;
  }
  return total;
}
