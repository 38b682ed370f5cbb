import { DRAFT_LIMITS, taskDraftSchema, type TaskDraft } from '../task-draft.js';
import type { Environment, ParamValue } from '../task.js';
import type { TemplateParam } from '../template.js';
import { findEnvironment, findPlaces, type Choice, type Lookup, type Match } from './places.js';
import { matchQuery, type Query } from './queries.js';
import { commandToArgv } from './shell-words.js';
import { closeness, normalise, wordsOf, type Word } from './text.js';
import { EXECUTOR_ALIASES, type Vocabulary } from './vocabulary.js';

export type { Choice } from './places.js';
export type { Query } from './queries.js';

export interface ParseContext {
  readonly vocabulary: Vocabulary;
  /** Where this chat last worked: used when a message names no host or repo. */
  readonly lastHost?: string | null | undefined;
  readonly lastRepo?: string | null | undefined;
}

/** A draft as far as the message took it; a clarifying answer fills `field`. */
export type DraftSoFar = { readonly [K in keyof AnyDraft]?: AnyDraft[K] };
type AnyDraft = {
  kind: TaskDraft['kind'];
  executor: string;
  host: string;
  repo: string;
  environment: Environment;
  template: string;
  params: Record<string, ParamValue>;
  prompt: string;
  argv: string[];
};

export type ParsedRequest =
  | {
      readonly type: 'task';
      readonly draft: TaskDraft;
      /** "get a second opinion": run by more than one executor (SPEC §3.4). */
      readonly consensus: boolean;
      /** 0–1: how sure the rules are; typos and borrowed context lower it. */
      readonly confidence: number;
      /** The draft echoed back in one line before it runs (parse-and-confirm). */
      readonly echo: string;
      /** What the parser assumed, for the confirmation ("host from this chat: build-vm"). */
      readonly assumptions: readonly string[];
      /**
       * The rules only guessed (the fallback to the default executor, or a model's reading):
       * such a task waits for one confirming tap, whatever its risk, so nothing misread spends.
       */
      readonly guess: boolean;
    }
  | { readonly type: 'query'; readonly query: Query; readonly echo: string }
  /** A greeting, thanks or chatter: answered with help, never a task. */
  | { readonly type: 'chatter'; readonly reply: string }
  | {
      readonly type: 'clarify';
      /** The draft field the answer fills: host, repo, executor, environment or params.<name>. */
      readonly field: string;
      readonly question: string;
      /** Buttons; empty when the answer is free text. */
      readonly choices: readonly Choice[];
      readonly draft: DraftSoFar;
      /** Fields still unknown, this one first. */
      readonly missing: readonly string[];
      readonly echo: string;
    }
  | { readonly type: 'unusable'; readonly reason: string };

/** Longer messages are refused with a reason, never cut. */
export const MAX_REQUEST_CHARS = 16_000;

const POLITE =
  /^(?:(?:hey|hi|hello|ok|okay|so|yo|please|pls|plz|kindly|now|then|and|also)\b[\s,!.]*|(?:can|could|would|will) you\b\s*|i (?:want|need) you to\b\s*|i'?d like you to\b\s*)+/u;
const MENTION = /^@/u;

/** Turns one chat message into a task draft, a query, or one short question. Never throws. */
export function parseRequest(text: string, ctx: ParseContext): ParsedRequest {
  try {
    return parse(text, ctx);
  } catch (e) {
    // A parser bug must not lose the message: it becomes a plain prompt the operator sees echoed.
    const clean = normalise(text).slice(0, DRAFT_LIMITS.promptChars);
    return clean
      ? agentTask(ctx, {
          prompt: clean,
          confidence: 0.1,
          assumptions: [`parser error: ${String(e)}`],
          guess: true,
        })
      : { type: 'unusable', reason: 'The message is empty.' };
  }
}

function parse(text: string, ctx: ParseContext): ParsedRequest {
  if (typeof text !== 'string') return { type: 'unusable', reason: 'The message is not text.' };
  const clean = normalise(text);
  if (!clean) return { type: 'unusable', reason: 'The message is empty.' };
  if (clean.length > MAX_REQUEST_CHARS)
    return {
      type: 'unusable',
      reason: `The message is ${clean.length} characters long; at most ${MAX_REQUEST_CHARS} are read.`,
    };
  const lower = clean.toLowerCase();
  if (isChatter(lower)) return { type: 'chatter', reply: CHATTER_REPLY };
  const query = matchQuery(lower);
  if (query) return { type: 'query', query, echo: describeQuery(query) };

  const shell = explicitShell(clean, ctx.vocabulary);
  if (shell) return shellTask(ctx, shell.command, shell.rest, 1);

  const consensus = matchConsensus(clean);
  const body = consensus ?? clean;
  const polite = stripPolite(body);
  const agent = explicitAgent(polite, ctx.vocabulary);
  if (agent) return agentTask(ctx, { ...agent, consensus: consensus !== null });
  if (consensus !== null)
    return agentTask(ctx, { prompt: body, confidence: 0.9, assumptions: [], consensus: true });

  const template = matchTemplate(polite, ctx);
  if (template) return template;

  const runOn = matchRunOn(polite, ctx.vocabulary);
  if (runOn) return shellTask(ctx, runOn.command, runOn.rest, 0.8);
  const commandLine = matchCommandOn(polite, ctx.vocabulary);
  if (commandLine) return shellTask(ctx, commandLine.command, commandLine.rest, 0.8);

  // Nothing matched: handing the whole message to the default agent is only a guess.
  return agentTask(ctx, {
    prompt: clean,
    confidence: 0.6,
    assumptions: [],
    usePlaces: true,
    guess: true,
  });
}

// --- chatter -------------------------------------------------------------------------------

/** The one-line answer to a greeting or thanks: what the bot does, not a task. */
export const CHATTER_REPLY =
  'Say what you want done, e.g. “ask codex to fix the flaky test in api” or “df -h on build-vm”; /help lists more.';

const CHATTER_WORDS = new Set(
  (
    'hi hii hey heya hello hallo yo sup hiya howdy morning good evening afternoon night gm gn ' +
    'thanks thank thx ty tysm cheers you u very much so a lot lots ok okay k kk okey alright ' +
    'fine cool nice great awesome perfect lol lmao rofl haha hahaha hehe ha yes yeah yep yup ' +
    'no nope nah sure bye goodbye cya later see ya np welcome wow oh ah hmm hm well done ' +
    'there all everyone folks guys bot again'
  ).split(' '),
);
const MAX_CHATTER_WORDS = 6;

/**
 * Greetings, thanks and chatter ("hi", "thanks!", "ok", "lol", emoji only): short, and made
 * of nothing but such words. Anything else is a request, however it is worded.
 */
function isChatter(lower: string): boolean {
  // "$ ok" or "`yes`" is a command line, however chatty its words.
  if (/[`$]/u.test(lower)) return false;
  const words = wordsOf(lower);
  return (
    words.length <= MAX_CHATTER_WORDS &&
    words.every(
      (w) => CHATTER_WORDS.has(w.lower) || /^(?:ha)+h?$|^(?:he)+$|^l+o+l+$/u.test(w.lower),
    )
  );
}

const stripPolite = (text: string) => text.replace(POLITE, '').replace(MENTION, '').trim() || text;

// --- shell ---------------------------------------------------------------------------------

/**
 * A "$ cmd" line, "sh: cmd", or a command in backticks with nothing around it but where to
 * run it ("run `npm test` on build-vm"): the operator asked for a shell command. Backticks
 * inside a sentence ("explain `rm -rf` to me") only quote code, so that stays a prompt.
 */
function explicitShell(
  text: string,
  vocabulary: Vocabulary,
): { command: string; rest: string } | null {
  const fenced = /```(?:[a-z]*\n)?([\s\S]+?)```/u.exec(text) ?? /`([^`]+)`/u.exec(text);
  if (fenced?.[1]?.trim()) {
    const rest = text.replace(fenced[0], ' ');
    return onlyPlaces(rest, vocabulary) ? { command: fenced[1].trim(), rest } : null;
  }
  // "$ ls" needs the space: "$(curl …)" pasted into a chat is text, not a prompt line.
  const prompt = /^(?:\$\s+|(?:sh|shell|bash|cmd|command|exec)\s*:\s*)(.+)$/su.exec(text);
  if (prompt?.[1]?.trim()) return { command: prompt[1].trim(), rest: '' };
  return null;
}

const AROUND_A_COMMAND = new Set([
  'run',
  'execute',
  'exec',
  'please',
  'pls',
  'now',
  'on',
  'in',
  'at',
  'the',
  'host',
  'vm',
  'server',
  'box',
  'machine',
  'repo',
  'project',
]);

/** Nothing but "run … on <host>" / "in <repo>" words around a command. */
function onlyPlaces(rest: string, vocabulary: Vocabulary): boolean {
  const known = [...vocabulary.hosts, ...vocabulary.repos].flatMap((n) => [n.name, ...n.aliases]);
  return wordsOf(rest.toLowerCase()).every(
    (w) =>
      AROUND_A_COMMAND.has(w.lower) ||
      known.some((n) => closeness(w.lower, n.toLowerCase()) !== null),
  );
}

const HOST_WORDS = String.raw`(?:\s+(?:host|vm|server|box|machine))?`;
const ON_HOST = String.raw`\s+on\s+(?:the\s+)?([\p{L}\p{N}._-]+)${HOST_WORDS}(?:\s+in\s+(?:the\s+)?([\p{L}\p{N}._-]+)(?:\s+(?:repo|project))?)?\s*[.!]?$`;
const RUN_ON = new RegExp(String.raw`^(?:run|execute|exec)\s+(.+?)${ON_HOST}`, 'su');
const COMMAND_ON = new RegExp(String.raw`^(.+?)${ON_HOST}`, 'su');

const isKnown = (word: string, names: readonly { name: string; aliases: readonly string[] }[]) =>
  names.some((x) =>
    [x.name, ...x.aliases].some((n) => closeness(word.toLowerCase(), n.toLowerCase()) !== null),
  );

/** The host (and repo) words after the command, or null when either is not configured. */
function placesAfter(m: RegExpExecArray, vocabulary: Vocabulary): string | null {
  const [, , host, repo] = m;
  if (!host || !isKnown(host, vocabulary.hosts)) return null;
  if (repo && !isKnown(repo, vocabulary.repos)) return null;
  return `on ${host}${repo ? ` in ${repo}` : ''}`;
}

/** "run npm test on build-vm [in api]": a command on a host the configuration knows. */
function matchRunOn(
  text: string,
  vocabulary: Vocabulary,
): { command: string; rest: string } | null {
  const m = RUN_ON.exec(text);
  const rest = m?.[1] ? placesAfter(m, vocabulary) : null;
  return m?.[1] && rest ? { command: m[1], rest } : null;
}

// Words that make "… on build-vm" a sentence for an agent rather than a command line.
const PROSE = new Set(
  (
    'the a an my our your their this that these those it its is are was why what how when ' +
    'where which who please pls could would should can will me us i we you some any all ' +
    'and or but if then than to for of with about into from by'
  ).split(' '),
);
const MAX_COMMAND_WORDS = 8;

/**
 * "df -h on build-vm", "restart nginx on build-vm in api": a short command line that names a
 * known host. It becomes a shell task under the shell policy (its own allow-list and gates),
 * never an agent prompt; a sentence ("fix the login bug on build-vm") stays a prompt.
 */
function matchCommandOn(
  text: string,
  vocabulary: Vocabulary,
): { command: string; rest: string } | null {
  const m = COMMAND_ON.exec(text);
  const command = m?.[1]?.trim();
  const rest = m && command ? placesAfter(m, vocabulary) : null;
  if (!command || !rest) return null;
  const words = command.split(/\s+/u).map((w) => w.toLowerCase());
  if (words.length > MAX_COMMAND_WORDS || command.endsWith('?')) return null;
  if (!/^[a-z0-9][a-z0-9._+-]*$/u.test(words[0] ?? '')) return null;
  if (words.some((w) => PROSE.has(w))) return null;
  return { command, rest };
}

function shellTask(
  ctx: ParseContext,
  command: string,
  rest: string,
  confidence: number,
): ParsedRequest {
  const argv = commandToArgv(command);
  if (!argv)
    return {
      type: 'unusable',
      reason: 'The command is empty or has an unterminated quote.',
    };
  const places = findPlaces(wordsOf(rest.toLowerCase()), ctx.vocabulary);
  const assumptions: string[] = [];
  const draft: DraftSoFar = { kind: 'shell', argv };
  const fuzzy = applyPlaces(draft, places, assumptions);
  if ('ask' in fuzzy) return fuzzy.ask;
  let next = fuzzy.draft;
  if (!next.host && !next.repo) next = { ...next, ...contextPlace(ctx, assumptions) };
  // A repo brings its host: the command runs there, in the repo's directory.
  const repo = ctx.vocabulary.repos.find((r) => r.name === next.repo);
  if (!next.host && repo) next = { ...next, host: repo.host };
  if (!next.host) {
    const hosts = ctx.vocabulary.hosts;
    if (hosts.length === 1 && hosts[0]) next = { ...next, host: hosts[0].name };
    else
      return clarify(next, 'host', 'Which host should run it?', hostChoices(ctx.vocabulary), [
        'host',
      ]);
  }
  return finishDraft(next, {
    confidence: confidence - fuzzy.penalty,
    assumptions,
    consensus: false,
    guess: false,
  });
}

// --- agents --------------------------------------------------------------------------------

interface AgentRequest {
  readonly prompt: string;
  readonly executor?: string | undefined;
  readonly confidence: number;
  readonly assumptions: readonly string[];
  readonly consensus?: boolean;
  /** Read "in api" / "on build-vm" out of a free-form prompt. */
  readonly usePlaces?: boolean;
  readonly missingExecutor?: string;
  /** Nothing in the message named the work: the default agent is the parser's guess. */
  readonly guess?: boolean;
}

// "gemini pro", "claude opus": a model word may follow the executor's name.
const EXECUTOR_WORD = String.raw`@?([\p{L}\p{N}][\p{L}\p{N}._-]*(?:\s+(?:pro|flash|sonnet|opus|haiku))?)(?:\s+(?:code|cli))?`;
const AGENT_PATTERNS: readonly RegExp[] = [
  new RegExp(
    String.raw`^(?:ask|tell|have|get|let|use|make)\s+${EXECUTOR_WORD}\s*(?:to\b|,|:)?\s*([\s\S]+)$`,
    'iu',
  ),
  new RegExp(String.raw`^${EXECUTOR_WORD}\s*[:,]\s*([\s\S]+)$`, 'iu'),
  new RegExp(String.raw`^${EXECUTOR_WORD}\s+(?:please\s+)?([\s\S]+)$`, 'iu'),
];

/** "ask codex to …", "claude: …", "have gemini …": the operator named the executor. */
function explicitAgent(text: string, vocabulary: Vocabulary): AgentRequest | null {
  for (const [i, pattern] of AGENT_PATTERNS.entries()) {
    const m = pattern.exec(text);
    const word = m?.[1]?.toLowerCase();
    const prompt = m?.[2]?.trim();
    if (!word || !prompt) continue;
    const found = executorFor(word.split(/\s+/u), vocabulary);
    if (!found) continue;
    // "codex fix the tests" needs a few words after the name to be an instruction.
    if (i === 2 && (prompt.split(/\s+/).length < 2 || found.distance > 0)) continue;
    const assumptions = found.distance > 0 ? [`"${word}" read as ${found.label}`] : [];
    return 'executor' in found
      ? { prompt, executor: found.executor, confidence: 0.95 - 0.1 * found.distance, assumptions }
      : { prompt, confidence: 0.7, assumptions, missingExecutor: found.label };
  }
  return null;
}

type ExecutorFound =
  | { readonly executor: string; readonly label: string; readonly distance: number }
  | { readonly label: string; readonly distance: number };

/**
 * The configured executor the words name: by its own name, or by an alias of its CLI, and a
 * model word ("gemini pro", or "opus" alone) picks among that CLI's executors.
 */
function executorFor(words: readonly string[], vocabulary: Vocabulary): ExecutorFound | null {
  const [word = '', modelWord] = words;
  for (const e of vocabulary.executors) {
    const d = closeness(word, e.name.toLowerCase());
    if (d !== null && !modelWord) return { executor: e.name, label: e.name, distance: d };
  }
  for (const alias of EXECUTOR_ALIASES) {
    const d = alias.words.map((w) => closeness(word, w)).find((x) => x !== null);
    if (d === undefined || d === null) continue;
    const sameCli = vocabulary.executors.filter((e) => e.cli === alias.cli);
    const named = modelWord
      ? EXECUTOR_ALIASES.find((a) => a.cli === alias.cli && a.words.includes(modelWord))
      : undefined;
    if (modelWord && !named) continue;
    const model = named?.model ?? alias.model;
    const pick =
      (model && sameCli.find((e) => e.model?.toLowerCase().includes(model))) ??
      (model
        ? undefined
        : (sameCli.find((e) => e.name === vocabulary.defaultExecutor) ?? sameCli[0]));
    return pick
      ? { executor: pick.name, label: pick.name, distance: d }
      : { label: model ? `${alias.cli} (${model})` : alias.cli, distance: d };
  }
  return null;
}

function agentTask(ctx: ParseContext, request: AgentRequest): ParsedRequest {
  const assumptions = [...request.assumptions];
  let draft: DraftSoFar = {
    kind: 'agent',
    prompt: request.prompt.slice(0, DRAFT_LIMITS.promptChars),
  };
  let penalty = 0;
  const places = findPlaces(wordsOf(request.prompt.toLowerCase()), ctx.vocabulary);
  if (request.usePlaces !== false) {
    const applied = applyPlaces(draft, places, assumptions);
    if ('ask' in applied) return applied.ask;
    draft = applied.draft;
    penalty = applied.penalty;
  }
  if (!draft.host && !draft.repo) draft = { ...draft, ...contextPlace(ctx, assumptions) };
  if (request.missingExecutor)
    return clarify(
      draft,
      'executor',
      `No ${request.missingExecutor} executor is configured. Which one should do it?`,
      ctx.vocabulary.executors.map((e) => ({ label: e.name, value: e.name })),
      ['executor'],
    );
  if (request.executor) draft = { ...draft, executor: request.executor };
  else if (!ctx.vocabulary.defaultExecutor)
    return clarify(
      draft,
      'executor',
      'Which agent should do it?',
      ctx.vocabulary.executors.map((e) => ({ label: e.name, value: e.name })),
      ['executor'],
    );
  else {
    draft = { ...draft, executor: ctx.vocabulary.defaultExecutor };
    assumptions.push(`executor: ${ctx.vocabulary.defaultExecutor} (the default)`);
  }
  return finishDraft(draft, {
    confidence: request.confidence - penalty,
    assumptions,
    consensus: request.consensus ?? false,
    guess: request.guess ?? false,
  });
}

const CONSENSUS_PREFIX =
  /^(?:consensus|second opinion|2nd opinion|ask (?:them )?all|ask everyone)\s*[:,-]\s*([\s\S]+)$/iu;
const CONSENSUS_ASK = /^(?:get|give) (?:me )?a (?:second|2nd) opinion (?:on|about|for)\b/iu;
const CONSENSUS_TAIL =
  /^([\s\S]+?)[\s,;.-]*\(?(?:get|with|and get)?\s*(?:me )?a (?:second|2nd) opinion\)?[.!]?$/iu;

/**
 * "consensus: …" (the prompt is what follows), or a message that asks for a second opinion
 * in its own words (the whole message is the prompt); null otherwise.
 */
function matchConsensus(text: string): string | null {
  const head = CONSENSUS_PREFIX.exec(text)?.[1]?.trim();
  if (head) return head;
  if (CONSENSUS_ASK.test(text)) return text;
  const tail = CONSENSUS_TAIL.exec(text)?.[1]?.trim();
  return tail || null;
}

// --- templates -----------------------------------------------------------------------------

const FILLER = new Set([
  'to',
  'for',
  'on',
  'in',
  'at',
  'the',
  'a',
  'an',
  'of',
  'with',
  'and',
  'please',
  'now',
  'pls',
  'site',
  'service',
  'app',
  'env',
  'environment',
  'into',
  'onto',
  'again',
  'it',
  'my',
  'our',
  'repo',
  'project',
]);

function matchTemplate(text: string, ctx: ParseContext): ParsedRequest | null {
  const words = wordsOf(text.toLowerCase());
  const hit = findTrigger(words, ctx.vocabulary);
  if (!hit) return null;
  const { template } = hit;
  const assumptions: string[] = hit.distance ? [`"${hit.said}" read as ${template.name}`] : [];
  const rest = words.slice(hit.length);
  const places = findPlaces(rest, ctx.vocabulary);
  let draft: DraftSoFar = { kind: 'template', template: template.name };
  const applied = applyPlaces(draft, places, assumptions);
  if ('ask' in applied) return applied.ask;
  draft = applied.draft;
  const used = new Set<Word>([...placeWords(places)]);
  const env = findEnvironment(rest);
  if (env) {
    draft = { ...draft, environment: env.env };
    used.add(env.word);
  }
  const params: Record<string, ParamValue> = {};
  const free = rest.filter((w) => !used.has(w) && !FILLER.has(w.lower));
  const missing: string[] = [];
  for (const param of template.params) {
    const value = takeParam(param, free);
    if (value !== null) params[param.name] = value;
    else if (param.required && param.default === null) missing.push(`params.${param.name}`);
  }
  draft = { ...draft, params };
  const envRisks = Object.keys(template.riskByEnvironment);
  if (!draft.environment && envRisks.length > 1) missing.unshift('environment');
  const [first] = missing;
  if (first === 'environment')
    return clarify(
      draft,
      'environment',
      `Which environment should ${template.name} go to?`,
      envRisks.map((e) => ({ label: e, value: e })),
      missing,
    );
  if (first) {
    const param = template.params.find((p) => `params.${p.name}` === first);
    return clarify(
      draft,
      first,
      `Which ${param?.name ?? first} for ${template.name}?`,
      (param?.values ?? []).map((v) => ({ label: v, value: v })),
      missing,
    );
  }
  return finishDraft(draft, {
    confidence: 0.9 - 0.1 * hit.distance - applied.penalty,
    assumptions,
    consensus: false,
    guess: false,
  });
}

/** The template whose trigger phrase opens the message (a typo allowed in longer words). */
function findTrigger(words: readonly Word[], vocabulary: Vocabulary) {
  let best: {
    template: Vocabulary['templates'][number];
    length: number;
    distance: number;
    said: string;
  } | null = null;
  for (const template of vocabulary.templates) {
    for (const trigger of [template.name, ...template.triggers]) {
      const parts = wordsOf(trigger.toLowerCase()).map((w) => w.lower);
      if (!parts.length || parts.length > words.length) continue;
      let distance = 0;
      for (const [i, part] of parts.entries()) {
        const d = closeness(words[i]?.lower ?? '', part);
        if (d === null) {
          distance = -1;
          break;
        }
        distance += d;
      }
      if (distance < 0) continue;
      // The longest trigger wins ("run the tests" over "run"), then the closest.
      if (
        !best ||
        parts.length > best.length ||
        (parts.length === best.length && distance < best.distance)
      )
        best = {
          template,
          length: parts.length,
          distance,
          said: words
            .slice(0, parts.length)
            .map((w) => w.lower)
            .join(' '),
        };
    }
  }
  return best;
}

/** Takes the first free word that fits the parameter, and removes it from `free`. */
function takeParam(param: TemplateParam, free: Word[]): ParamValue | null {
  const index = free.findIndex((w) => fits(param, w.lower));
  const word = free[index];
  if (!word) return null;
  free.splice(index, 1);
  if (param.values)
    return param.values.find((v) => closeness(word.lower, v.toLowerCase()) !== null) ?? word.lower;
  if (param.type === 'number') return Number(word.lower);
  if (param.type === 'boolean') return ['true', 'yes', 'on', 'y', '1'].includes(word.lower);
  return word.lower;
}

function fits(param: TemplateParam, word: string): boolean {
  if (param.values) return param.values.some((v) => closeness(word, v.toLowerCase()) !== null);
  if (param.type === 'number') return /^-?\d+(?:\.\d+)?$/.test(word);
  if (param.type === 'boolean') return ['true', 'false', 'yes', 'no', 'on', 'off'].includes(word);
  return /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u.test(word);
}

// --- shared --------------------------------------------------------------------------------

function placeWords(places: { host: Lookup; repo: Lookup }): Word[] {
  return [places.host, places.repo].flatMap((l) => (l.kind === 'one' ? l.match.words : []));
}

/** Puts named places on the draft, or asks when a name matched more than one. */
function applyPlaces(
  draft: DraftSoFar,
  places: { host: Lookup; repo: Lookup },
  assumptions: string[],
): { draft: DraftSoFar; penalty: number } | { ask: ParsedRequest } {
  if (places.repo.kind === 'ambiguous')
    return {
      ask: clarify(draft, 'repo', 'Which repo did you mean?', places.repo.choices, ['repo']),
    };
  if (places.host.kind === 'ambiguous')
    return {
      ask: clarify(draft, 'host', 'Which host did you mean?', places.host.choices, ['host']),
    };
  let next = draft;
  let penalty = 0;
  const note = (what: string, match: Match) => {
    if (match.distance === 0) return;
    penalty += 0.1;
    assumptions.push(`"${match.words[0]?.lower}" read as ${what} ${match.name}`);
  };
  if (places.repo.kind === 'one') {
    next = { ...next, repo: places.repo.match.name };
    note('repo', places.repo.match);
  }
  if (places.host.kind === 'one') {
    next = { ...next, host: places.host.match.name };
    note('host', places.host.match);
  }
  return { draft: next, penalty };
}

/** The chat's last repo (which brings its host) or last host, noted as an assumption. */
function contextPlace(ctx: ParseContext, assumptions: string[]): DraftSoFar {
  const repo = ctx.lastRepo ? ctx.vocabulary.repos.find((r) => r.name === ctx.lastRepo) : undefined;
  if (repo) {
    assumptions.push(`repo from this chat: ${repo.name}`);
    return { repo: repo.name };
  }
  const host = ctx.lastHost ? ctx.vocabulary.hosts.find((h) => h.name === ctx.lastHost) : undefined;
  if (host) {
    assumptions.push(`host from this chat: ${host.name}`);
    return { host: host.name };
  }
  return {};
}

const hostChoices = (vocabulary: Vocabulary): Choice[] =>
  vocabulary.hosts.map((h) => ({ label: h.name, value: h.name }));

function clarify(
  draft: DraftSoFar,
  field: string,
  question: string,
  choices: readonly Choice[],
  missing: readonly string[],
): ParsedRequest {
  return { type: 'clarify', field, question, choices, draft, missing, echo: describeDraft(draft) };
}

/** Validates the finished draft; anything the schema refuses is reported, not thrown. */
export function finishDraft(
  draft: DraftSoFar,
  meta: {
    confidence: number;
    assumptions: readonly string[];
    consensus: boolean;
    guess: boolean;
  },
): ParsedRequest {
  const parsed = taskDraftSchema.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      type: 'unusable',
      reason: `That cannot become a task: ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}.`,
    };
  }
  const confidence = Math.round(Math.min(1, Math.max(0, meta.confidence)) * 100) / 100;
  const echo = (meta.consensus ? 'Second opinion — ' : '') + describeDraft(draft);
  return {
    type: 'task',
    draft: parsed.data,
    consensus: meta.consensus,
    confidence,
    echo,
    assumptions: meta.assumptions,
    guess: meta.guess,
  };
}

const preview = (text: string, max = 80) =>
  text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;

/** One line that says what will run, where: the first line of the confirmation. */
export function describeDraft(d: DraftSoFar): string {
  const where = [d.host ? `on ${d.host}` : '', d.repo ? `in ${d.repo}` : '']
    .filter(Boolean)
    .join(' ');
  const suffix = where ? ` ${where}` : '';
  switch (d.kind) {
    case 'shell':
      return `Shell${suffix}: ${preview((d.argv ?? []).join(' '))}`;
    case 'template': {
      const params = Object.entries(d.params ?? {}).map(([k, v]) => `${k}=${String(v)}`);
      const env = d.environment ? ` → ${d.environment}` : '';
      return `Template ${d.template ?? '?'}${params.length ? ` (${params.join(', ')})` : ''}${env}${suffix}`;
    }
    default:
      return `${d.executor ?? 'Agent'}${suffix}: “${preview(d.prompt ?? '')}”`;
  }
}

function describeQuery(q: Query): string {
  switch (q.type) {
    case 'status':
      return q.task ? `Status of task ${q.task}` : 'Status overview';
    case 'running':
      return 'What is running';
    case 'spend':
      return q.period === 'day' ? 'Spend today' : 'Spend this month';
    case 'cancel':
      return `Cancel task ${q.task}`;
    case 'retry':
      return `Retry task ${q.task}`;
  }
}
