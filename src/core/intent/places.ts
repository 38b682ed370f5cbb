import type { Environment } from '../task.js';
import { closeness, type Word } from './text.js';
import type { Vocabulary } from './vocabulary.js';

export interface Choice {
  readonly label: string;
  readonly value: string;
}

/** A name the message matched, and how sure we are (0 = exact). */
export interface Match {
  readonly name: string;
  readonly distance: number;
  /** The words it was read from, so they are not read again as something else. */
  readonly words: readonly Word[];
}

export type Lookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'one'; readonly match: Match }
  | { readonly kind: 'ambiguous'; readonly choices: readonly Choice[] };

const ENVIRONMENT_WORDS: readonly [Environment, readonly string[]][] = [
  ['production', ['production', 'prod', 'prd', 'live']],
  ['staging', ['staging', 'stage', 'stg', 'preprod', 'pre-prod']],
  ['dev', ['dev', 'development', 'develop', 'test-env']],
];

/** The environment a word names, tolerating typos in longer words ("prodution"). */
export function environmentOf(word: string): Environment | null {
  for (const [env, words] of ENVIRONMENT_WORDS) {
    if (words.some((w) => closeness(word, w) !== null)) return env;
  }
  return null;
}

/** The first environment named in the message, and the word that named it. */
export function findEnvironment(
  words: readonly Word[],
): { readonly env: Environment; readonly word: Word } | null {
  for (const word of words) {
    const env = environmentOf(word.lower);
    if (env) return { env, word };
  }
  return null;
}

/** Words that introduce a place: "on build-vm", "in the api repo", "for klm". */
const PLACE_PREPOSITIONS = new Set(['on', 'in', 'at', 'inside', 'within', 'for', 'from']);
const PLACE_NOUNS = new Set([
  'repo',
  'repository',
  'project',
  'host',
  'vm',
  'server',
  'box',
  'machine',
]);

interface Named {
  readonly name: string;
  readonly aliases: readonly string[];
}

/** Best matches of one word among names and aliases; several at the same distance = ambiguous. */
function lookupWord(word: Word, candidates: readonly Named[]): Lookup {
  let best: { name: string; distance: number }[] = [];
  for (const c of candidates) {
    let d: number | null = null;
    for (const n of [c.name, ...c.aliases]) {
      const here = closeness(word.lower, n.toLowerCase());
      if (here !== null && (d === null || here < d)) d = here;
    }
    if (d === null) continue;
    if (!best.length || d < (best[0]?.distance ?? Infinity)) best = [{ name: c.name, distance: d }];
    else if (d === best[0]?.distance) best.push({ name: c.name, distance: d });
  }
  const [first] = best;
  if (!first) return { kind: 'none' };
  if (best.length > 1)
    return { kind: 'ambiguous', choices: best.map((b) => ({ label: b.name, value: b.name })) };
  return { kind: 'one', match: { ...first, words: [word] } };
}

/**
 * Hosts and repos the message names after a preposition ("on build-vm", "in the api repo").
 * A word matching both a host and a repo counts as the repo: a repo implies its host anyway.
 */
export function findPlaces(
  words: readonly Word[],
  vocabulary: Vocabulary,
): { readonly host: Lookup; readonly repo: Lookup } {
  let host: Lookup = { kind: 'none' };
  let repo: Lookup = { kind: 'none' };
  for (let i = 0; i < words.length - 1; i++) {
    if (!PLACE_PREPOSITIONS.has(words[i]?.lower ?? '')) continue;
    let j = i + 1;
    if (words[j]?.lower === 'the' || words[j]?.lower === 'my' || words[j]?.lower === 'our') j++;
    const word = words[j];
    if (!word || environmentOf(word.lower)) continue;
    const asRepo =
      repo.kind === 'none' ? lookupWord(word, vocabulary.repos) : { kind: 'none' as const };
    if (asRepo.kind !== 'none') {
      repo = withNoun(asRepo, words[j + 1]);
      continue;
    }
    const asHost =
      host.kind === 'none' ? lookupWord(word, vocabulary.hosts) : { kind: 'none' as const };
    if (asHost.kind !== 'none') host = withNoun(asHost, words[j + 1]);
  }
  return { host, repo };
}

/** "the api repo": the noun after the name belongs to the mention too. */
function withNoun(lookup: Lookup, next: Word | undefined): Lookup {
  if (lookup.kind !== 'one' || !next || !PLACE_NOUNS.has(next.lower)) return lookup;
  return { kind: 'one', match: { ...lookup.match, words: [...lookup.match.words, next] } };
}
