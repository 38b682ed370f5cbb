import { z } from 'zod';
import type { ExecResult } from '../transport.js';
import {
  exitedZero,
  failedRun,
  jsonValues,
  NO_USAGE,
  modelFor,
  oneLine,
  optNumber,
  optString,
  requirePrompt,
  resumeSession,
  settle,
  unreadableRun,
  type AgentProfileOptions,
  type RunUsage,
} from './classify.js';
import type { ExecutorProfile, ExecutorTask, Invocation, ParsedRun } from './profile.js';

/** gemini's exit code for "no usable auth method" (FatalAuthenticationError). */
const EXIT_AUTH = 41;

const ModelTokens = z.looseObject({
  prompt: optNumber,
  candidates: optNumber,
  thoughts: optNumber,
});
const Stats = z.looseObject({
  models: z
    .record(z.string(), z.looseObject({ tokens: ModelTokens.nullish().catch(null) }).catch({}))
    .catch({}),
});
const JsonError = z.looseObject({
  message: optString,
  code: z.union([z.number(), z.string()]).nullish().catch(null),
});

// `--output-format json`: one document, `response` on success, `error` on failure.
const JsonOutput = z.looseObject({
  type: z.undefined().optional(),
  session_id: optString,
  response: optString,
  stats: Stats.nullish().catch(null),
  error: JsonError.nullish().catch(null),
});

// `--output-format stream-json` ends with a `result` event; `init` carries the session id.
const StreamEvent = z.looseObject({
  type: z.string(),
  session_id: optString,
  role: optString,
  content: optString,
  status: optString,
  error: JsonError.nullish().catch(null),
  stats: z.looseObject({ input_tokens: optNumber, output_tokens: optNumber }).nullish().catch(null),
});
type StreamEvent = z.infer<typeof StreamEvent>;

/**
 * `gemini --output-format json -p ''`: `-p` selects headless mode and its value is "Appended to
 * input on stdin", so the whole prompt travels on stdin and the empty value adds nothing.
 */
export function createGeminiProfile(options: AgentProfileOptions): ExecutorProfile {
  return {
    name: options.name,
    cli: 'gemini',
    invocation: (task) => geminiInvocation(task, options.model),
    parse: parseGeminiOutput,
    // gemini prints usage only at the end: priced then, no live meter.
    price: options.price ?? null,
  };
}

export function geminiInvocation(task: ExecutorTask, defaultModel: string | null): Invocation {
  const model = modelFor(task, defaultModel, 'gemini');
  const session = resumeSession(task, 'gemini');
  return {
    argv: [
      'gemini',
      '--output-format',
      'json',
      // `--flag=value`: the value is bound to its flag and can never be read as another flag.
      ...(model ? [`--model=${model}`] : []),
      ...(session ? [`--resume=${session}`] : []),
      '-p',
      '',
    ],
    stdin: requirePrompt(task, 'gemini'),
  };
}

export function parseGeminiOutput(result: ExecResult): ParsedRun {
  const values = jsonValues(result.stdout.text);
  const document = soleDocument(values);
  if (document) return settle(result, readDocument(result, document));
  const events = values.flatMap((v) => StreamEvent.safeParse(v).data ?? []);
  if (events.some((e) => e.type === 'result')) return settle(result, readStream(result, events));
  // A fatal error (e.g. no auth method, exit 41) prints its json document on stderr, not stdout.
  const errorDocument = soleDocument(jsonValues(result.stderr.text));
  if (errorDocument?.error) return settle(result, readDocument(result, errorDocument));
  const fallback = unreadableRun(result, 'gemini');
  // The stream-json auth failure is plain text (on stderr); the exit code is the reliable signal.
  return settle(result, isAuthExit(result) ? { ...fallback, outcome: 'auth_failure' } : fallback);
}

/** The json document, when the values are exactly one (a stream event has a `type`; it has not). */
function soleDocument(values: readonly unknown[]): z.infer<typeof JsonOutput> | undefined {
  const document = values.length === 1 ? JsonOutput.safeParse(values[0]).data : undefined;
  return document && (typeof document.response === 'string' || document.error)
    ? document
    : undefined;
}

function readDocument(result: ExecResult, doc: z.infer<typeof JsonOutput>): ParsedRun {
  let tokensIn = 0;
  let tokensOut = 0;
  for (const model of Object.values(doc.stats?.models ?? {})) {
    // `prompt` already counts cached tokens; thinking tokens are billed as output.
    tokensIn += model.tokens?.prompt ?? 0;
    tokensOut += (model.tokens?.candidates ?? 0) + (model.tokens?.thoughts ?? 0);
  }
  const usage: RunUsage = { costUsd: null, tokensIn, tokensOut, sessionId: doc.session_id ?? null };
  if (!doc.error && exitedZero(result)) {
    return { ...usage, outcome: 'succeeded', summary: oneLine(doc.response) };
  }
  const message = doc.error?.message ?? doc.response ?? 'gemini reported an error';
  if (String(doc.error?.code) === String(EXIT_AUTH) || isAuthExit(result)) {
    return { ...usage, outcome: 'auth_failure', summary: oneLine(message) };
  }
  return failedRun(message, usage);
}

function readStream(result: ExecResult, events: readonly StreamEvent[]): ParsedRun {
  const final = events.findLast((e) => e.type === 'result');
  const init = events.find((e) => e.type === 'init');
  const reply = events
    .filter((e) => e.type === 'message' && e.role === 'assistant')
    .map((e) => e.content ?? '')
    .join('');
  const usage: RunUsage = {
    ...NO_USAGE,
    tokensIn: final?.stats?.input_tokens ?? 0,
    tokensOut: final?.stats?.output_tokens ?? 0,
    sessionId: init?.session_id ?? null,
  };
  if (final?.status === 'success' && exitedZero(result)) {
    return { ...usage, outcome: 'succeeded', summary: oneLine(reply) };
  }
  const message = final?.error?.message ?? 'gemini reported an error';
  if (isAuthExit(result)) return { ...usage, outcome: 'auth_failure', summary: oneLine(message) };
  return failedRun(message, usage);
}

function isAuthExit(result: ExecResult): boolean {
  return result.exit.kind === 'exited' && result.exit.code === EXIT_AUTH;
}
