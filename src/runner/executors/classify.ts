import { z } from 'zod';
import { isModelName, isSessionId } from '../../core/cli-values.js';
import type { ExecResult, ExitStatus, TransportFailure } from '../transport.js';
import type { ExecutorTask, OutcomeClass, ParsedRun } from './profile.js';
import type { Price } from './usage-meter.js';

/** What an agent profile is built from: the executor's name and its default model. */
export interface AgentProfileOptions {
  readonly name: string;
  readonly model: string | null;
  /** For CLIs that print tokens but no cost (and for the live meter of those that do). */
  readonly price?: Price | null | undefined;
}

const TRANSPORT_OUTCOMES: Record<TransportFailure, OutcomeClass> = {
  timeout: 'timeout',
  cancelled: 'cancelled',
  host_unreachable: 'host_unreachable',
  host_key_mismatch: 'host_key_mismatch',
  auth_failure: 'auth_failure',
  connection_lost: 'network_failure',
};

const TRANSPORT_LABELS: Record<TransportFailure, string> = {
  timeout: 'Timed out',
  cancelled: 'Cancelled',
  host_unreachable: 'Host unreachable',
  host_key_mismatch: 'Host key mismatch: connection refused',
  auth_failure: 'SSH authentication failed',
  connection_lost: 'SSH connection lost',
};

// Checked in this order: an auth error often also names the request that failed.
const AUTH_TEXT = anyOf([
  'not logged in',
  'please run /login',
  'auth method',
  'api[ _-]?key',
  'unauthori[sz]ed',
  '\\b401\\b',
  'authentication',
]);
const NETWORK_TEXT = anyOf([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'name does not resolve',
  'failed to lookup address',
  'could not resolve host',
  'stream disconnected',
  'network',
]);

const SUMMARY_MAX = 300;

/** A command the transport could not run to its end is classified by that, never by its output. */
export function transportOutcome(result: ExecResult): OutcomeClass | null {
  return result.failure === null ? null : TRANSPORT_OUTCOMES[result.failure];
}

/** Auth and network failures as CLIs word them; null when the text names neither. */
export function textOutcome(text: string | null): 'auth_failure' | 'network_failure' | null {
  if (text === null) return null;
  if (AUTH_TEXT.test(text)) return 'auth_failure';
  if (NETWORK_TEXT.test(text)) return 'network_failure';
  return null;
}

/**
 * The last non-empty line, trimmed; null when there is none. It walks back from the end instead
 * of splitting: a capture of `yes` holds millions of lines, and splitting it cost tens of MiB.
 */
export function lastLine(text: string): string | null {
  for (let end = text.length; end > 0;) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (line) return line;
    end = start - 1;
  }
  return null;
}

/** Each line of the text in order, without holding them all at once (see lastLine). */
export function* eachLine(text: string): Generator<string> {
  for (let start = 0; start <= text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    yield text.slice(start, end);
    start = end + 1;
  }
}

/** Text squeezed onto one chat line, capped so a long answer cannot flood a message. */
export function oneLine(text: string | null | undefined): string | null {
  const flat = text?.replace(/\s+/g, ' ').trim();
  if (!flat) return null;
  return flat.length > SUMMARY_MAX ? `${flat.slice(0, SUMMARY_MAX - 1)}…` : flat;
}

/** A task the profile will not build an argv for; its message is the task's summary. */
export class InvocationRefused extends Error {}

/** An agent task without a prompt is a bug upstream, not an outcome to classify. */
export function requirePrompt(task: ExecutorTask, cli: string): string {
  if (task.prompt === null) throw new InvocationRefused(`${cli}: an agent task needs a prompt`);
  return task.prompt;
}

/**
 * The session to resume, checked again where it enters argv (the gateway checked it on the way
 * in): a value a runner or a CLI made up is refused, never passed on where it could be a flag.
 */
export function resumeSession(task: ExecutorTask, cli: string): string | null {
  if (task.sessionId === null) return null;
  if (!isSessionId(task.sessionId)) {
    throw new InvocationRefused(
      `${cli}: the session to continue is not a valid session id, so it was not resumed; start a new task instead`,
    );
  }
  return task.sessionId;
}

/** The model to ask for: config, but still never something the CLI could read as a flag. */
export function modelFor(task: ExecutorTask, defaultModel: string | null, cli: string) {
  const model = task.model ?? defaultModel;
  if (model !== null && !isModelName(model)) {
    throw new InvocationRefused(`${cli}: the configured model name is not a valid model name`);
  }
  return model;
}

export function exitedZero(result: ExecResult): boolean {
  return result.exit.kind === 'exited' && result.exit.code === 0;
}

export function describeExit(exit: ExitStatus): string {
  switch (exit.kind) {
    case 'exited':
      return `exited with code ${exit.code}`;
    case 'signaled':
      return `killed by ${exit.signal}`;
    case 'missing':
      return 'ended without an exit status';
  }
}

export type RunUsage = Omit<ParsedRun, 'outcome' | 'summary'>;

export const NO_USAGE: RunUsage = { costUsd: null, tokensIn: 0, tokensOut: 0, sessionId: null };

/** Tolerant fields: a value of the wrong type reads as absent instead of failing the object. */
export const optNumber = z.number().nullish().catch(null);
export const optString = z.string().nullish().catch(null);

/** A failure the CLI itself reported: auth or network when its words say so, else failed. */
export function failedRun(message: string | null, usage: RunUsage): ParsedRun {
  return { ...usage, outcome: textOutcome(message) ?? 'failed', summary: oneLine(message) };
}

/**
 * An agent CLI whose output holds nothing we can read: a clean exit means the format changed
 * (output_parse_error); otherwise its last words on stderr, then stdout, say why.
 */
export function unreadableRun(result: ExecResult, cli: string): ParsedRun {
  if (exitedZero(result)) {
    return {
      ...NO_USAGE,
      outcome: 'output_parse_error',
      summary: `${cli} exited 0 but its output could not be read`,
    };
  }
  const err = lastLine(result.stderr.text);
  const out = lastLine(result.stdout.text);
  const outcome = textOutcome(err) ?? textOutcome(out) ?? 'failed';
  return {
    ...NO_USAGE,
    outcome,
    summary: oneLine(err ?? out ?? `${cli} ${describeExit(result.exit)}`),
  };
}

/**
 * The final word: a transport failure (timeout, cancel, SSH) overrides what the output says,
 * while usage read so far is kept, since a timed-out run still cost money.
 */
export function settle(result: ExecResult, parsed: ParsedRun): ParsedRun {
  // The CLI's output is not trusted either: a session id that is not one is not kept.
  const run = isSessionId(parsed.sessionId) ? parsed : { ...parsed, sessionId: null };
  if (result.failure === null) return run;
  const label = TRANSPORT_LABELS[result.failure];
  const detail = run.outcome === 'succeeded' ? null : run.summary;
  return {
    ...run,
    outcome: TRANSPORT_OUTCOMES[result.failure],
    summary: oneLine(detail ? `${label}; last message: ${detail}` : label),
  };
}

/**
 * Every JSON value stdout holds: one document (compact or pretty-printed) or JSONL. Lines that do
 * not parse are skipped, so a capture with its middle dropped still yields the events in its tail.
 */
export function jsonValues(text: string): unknown[] {
  const whole = tryJson(text.trim());
  if (whole !== undefined) return [whole];
  const values: unknown[] = [];
  for (const line of eachLine(text)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    const value = tryJson(trimmed);
    if (value !== undefined) values.push(value);
  }
  if (values.length > 0) return values;
  // A pretty-printed document after some noise starts with a brace in column 0.
  const start = text.search(/^\{/m);
  const tail = start >= 0 ? tryJson(text.slice(start).trim()) : undefined;
  return tail === undefined ? [] : [tail];
}

function anyOf(patterns: readonly string[]): RegExp {
  return new RegExp(patterns.join('|'), 'i');
}

function tryJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
