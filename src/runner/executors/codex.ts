import { z } from 'zod';
import type { ExecResult } from '../transport.js';
import {
  describeExit,
  exitedZero,
  failedRun,
  jsonValues,
  lastLine,
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
import { createUsageMeter, type UsageReading } from './usage-meter.js';

// Event shapes of `codex exec --json` (codex-rs exec_events): one JSON object per line.
const Event = z.looseObject({ type: z.string() });
const ThreadStarted = z.looseObject({ thread_id: optString });
const TurnCompleted = z.looseObject({
  usage: z
    .looseObject({
      input_tokens: optNumber,
      cached_input_tokens: optNumber,
      output_tokens: optNumber,
    })
    .nullish()
    .catch(null),
});
const TurnFailed = z.looseObject({
  error: z.looseObject({ message: optString }).nullish().catch(null),
});
const ItemCompleted = z.looseObject({
  item: z.looseObject({ type: optString, text: optString, message: optString }).catch({}),
});
const ErrorEvent = z.looseObject({ message: optString });

interface Transcript {
  sessionId: string | null;
  lastAgentMessage: string | null;
  lastError: string | null;
  /** How the turn ended, when the transcript says so. */
  turn: 'completed' | 'failed' | null;
  turnError: string | null;
  tokensIn: number;
  tokensOut: number;
  events: number;
}

/** `codex exec --json … -`: the `-` prompt argument makes exec read instructions from stdin. */
export function createCodexProfile(options: AgentProfileOptions): ExecutorProfile {
  return {
    name: options.name,
    cli: 'codex',
    invocation: (task) => codexInvocation(task, options.model),
    parse: parseCodexOutput,
    price: options.price ?? null,
    meter: () => createUsageMeter(readCodexUsage, options.price ?? null),
  };
}

/** `turn.completed` carries a turn's usage; codex prints no cost, so the price table prices it. */
export function readCodexUsage(value: unknown, index: number): UsageReading | null {
  if (Event.safeParse(value).data?.type !== 'turn.completed') return null;
  const usage = TurnCompleted.safeParse(value).data?.usage;
  if (!usage) return null;
  return {
    key: `turn-${index}`,
    tokensIn: usage.input_tokens ?? 0,
    tokensOut: usage.output_tokens ?? 0,
  };
}

export function codexInvocation(task: ExecutorTask, defaultModel: string | null): Invocation {
  const model = modelFor(task, defaultModel, 'codex');
  const session = resumeSession(task, 'codex');
  return {
    argv: [
      'codex',
      'exec',
      '--json',
      // `--model=…` binds the value to its flag. `--json` and `--model` are global exec flags,
      // so they may precede the resume subcommand, whose `--` ends its options: the session id
      // and the `-` prompt after it are positionals whatever they look like.
      ...(model ? [`--model=${model}`] : []),
      ...(session ? ['resume', '--', session] : []),
      '-',
    ],
    stdin: requirePrompt(task, 'codex'),
  };
}

export function parseCodexOutput(result: ExecResult): ParsedRun {
  const t = readTranscript(result.stdout.text);
  if (t.events === 0) return settle(result, unreadableRun(result, 'codex'));
  // input_tokens already includes cached_input_tokens (OpenAI usage counts cache hits as input).
  const usage: RunUsage = {
    costUsd: null,
    tokensIn: t.tokensIn,
    tokensOut: t.tokensOut,
    sessionId: t.sessionId,
  };
  if (t.turn === 'failed') return settle(result, failedRun(t.turnError, usage));
  // Without a turn.completed event, a final agent message and a clean exit still mean done.
  const completed = t.turn === 'completed' || (t.turn === null && t.lastAgentMessage !== null);
  if (completed && exitedZero(result)) {
    return settle(result, { ...usage, outcome: 'succeeded', summary: oneLine(t.lastAgentMessage) });
  }
  if (!completed && t.lastError === null && exitedZero(result)) {
    return settle(result, { ...unreadableRun(result, 'codex'), ...usage });
  }
  // Offline, codex prints `Reconnecting...` errors until killed: their text says network. After a
  // completed turn those are stale retries, so stderr explains a bad exit instead.
  const stderr = lastLine(result.stderr.text);
  const reason =
    (completed ? stderr : (t.lastError ?? stderr)) ?? `codex ${describeExit(result.exit)}`;
  return settle(result, failedRun(reason, usage));
}

function readTranscript(stdout: string): Transcript {
  const t: Transcript = {
    sessionId: null,
    lastAgentMessage: null,
    lastError: null,
    turn: null,
    turnError: null,
    tokensIn: 0,
    tokensOut: 0,
    events: 0,
  };
  for (const value of jsonValues(stdout)) {
    const event = Event.safeParse(value);
    if (!event.success) continue;
    t.events += 1;
    switch (event.data.type) {
      case 'thread.started':
        t.sessionId = ThreadStarted.safeParse(value).data?.thread_id ?? t.sessionId;
        break;
      case 'turn.completed': {
        const usage = TurnCompleted.safeParse(value).data?.usage;
        // Each exec run is one turn; its usage event is the total for that turn.
        t.tokensIn = usage?.input_tokens ?? t.tokensIn;
        t.tokensOut = usage?.output_tokens ?? t.tokensOut;
        t.turn = 'completed';
        break;
      }
      case 'turn.failed':
        t.turn = 'failed';
        t.turnError = TurnFailed.safeParse(value).data?.error?.message ?? 'codex turn failed';
        break;
      case 'item.completed': {
        const item = ItemCompleted.safeParse(value).data?.item;
        if (item?.type === 'agent_message' && item.text) t.lastAgentMessage = item.text;
        if (item?.type === 'error' && item.message) t.lastError = item.message;
        break;
      }
      case 'error':
        t.lastError = ErrorEvent.safeParse(value).data?.message ?? t.lastError;
        break;
    }
  }
  return t;
}
