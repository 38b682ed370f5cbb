import { z } from 'zod';
import type { ExecResult } from '../transport.js';
import {
  exitedZero,
  failedRun,
  jsonValues,
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

const Usage = z.looseObject({
  input_tokens: optNumber,
  cache_creation_input_tokens: optNumber,
  cache_read_input_tokens: optNumber,
  output_tokens: optNumber,
});

// `--output-format json` prints this object alone; stream-json ends with it as its last event.
const ResultEvent = z.looseObject({
  type: z.literal('result'),
  subtype: optString,
  is_error: z.boolean().nullish().catch(null),
  result: optString,
  api_error_status: z.unknown().optional(),
  total_cost_usd: optNumber,
  usage: Usage.nullish().catch(null),
  session_id: optString,
});
type ResultEvent = z.infer<typeof ResultEvent>;

const AnyEvent = z.looseObject({ session_id: optString });

/** The MCP server name in the config file and the tool, as claude addresses it. */
export const PERMISSION_PROMPT_TOOL = 'mcp__switchboard__approve_tool_use';

/** `claude -p --output-format stream-json`: with no prompt argument, -p reads the prompt from stdin. */
export function createClaudeProfile(
  options: AgentProfileOptions & { readonly permissionPrompts?: boolean | undefined },
): ExecutorProfile {
  return {
    name: options.name,
    cli: 'claude',
    permissionPrompts: options.permissionPrompts ?? false,
    invocation: (task) => claudeInvocation(task, options.model),
    parse: parseClaudeOutput,
    price: options.price ?? null,
    meter: () => createUsageMeter(readClaudeUsage, options.price ?? null),
  };
}

const AssistantEvent = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({ id: optString, usage: Usage.nullish().catch(null) }),
});

/** stream-json: each assistant message carries its usage; the final result its total cost. */
export function readClaudeUsage(value: unknown, index: number): UsageReading | null {
  const result = ResultEvent.safeParse(value);
  if (result.success) {
    return { key: 'result', tokensIn: 0, tokensOut: 0, totalCostUsd: result.data.total_cost_usd };
  }
  const assistant = AssistantEvent.safeParse(value);
  const usage = assistant.data?.message.usage;
  if (!assistant.success || !usage) return null;
  return {
    key: assistant.data.message.id ?? `event-${index}`,
    tokensIn:
      (usage.input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0) +
      (usage.cache_read_input_tokens ?? 0),
    tokensOut: usage.output_tokens ?? 0,
  };
}

export function claudeInvocation(task: ExecutorTask, defaultModel: string | null): Invocation {
  const model = modelFor(task, defaultModel, 'claude');
  const session = resumeSession(task, 'claude');
  return {
    argv: [
      'claude',
      '-p',
      // stream-json (which needs --verbose with -p) prints usage while it runs: the per-task
      // breaker halts on it; the last event is the same result object `json` prints.
      '--output-format',
      'stream-json',
      '--verbose',
      // `--flag=value`: the value is bound to its flag and can never be read as another flag.
      ...(model ? [`--model=${model}`] : []),
      ...(session ? [`--resume=${session}`] : []),
      // --mcp-config takes several values: it comes last, and the prompt goes on stdin.
      ...(task.mcpConfigPath
        ? ['--permission-prompt-tool', PERMISSION_PROMPT_TOOL, '--mcp-config', task.mcpConfigPath]
        : []),
    ],
    stdin: requirePrompt(task, 'claude'),
  };
}

/** Reads the json and the stream-json shape alike: the last `result` event decides. */
export function parseClaudeOutput(result: ExecResult): ParsedRun {
  const values = jsonValues(result.stdout.text);
  let event: ResultEvent | null = null;
  let sessionId: string | null = null;
  for (const value of values) {
    const parsed = ResultEvent.safeParse(value);
    if (parsed.success) event = parsed.data;
    sessionId = AnyEvent.safeParse(value).data?.session_id ?? sessionId;
  }
  if (event === null) {
    return settle(result, { ...unreadableRun(result, 'claude'), sessionId });
  }
  return settle(result, readResult(result, event, sessionId));
}

function readResult(result: ExecResult, event: ResultEvent, sessionId: string | null): ParsedRun {
  const usage: RunUsage = {
    costUsd: event.total_cost_usd ?? null,
    tokensIn:
      (event.usage?.input_tokens ?? 0) +
      (event.usage?.cache_creation_input_tokens ?? 0) +
      (event.usage?.cache_read_input_tokens ?? 0),
    tokensOut: event.usage?.output_tokens ?? 0,
    sessionId: event.session_id ?? sessionId,
  };
  // `subtype: 'success'` is not enough: a logged-out CLI says success with is_error true, exit 1.
  if (event.is_error !== true && exitedZero(result)) {
    return { ...usage, outcome: 'succeeded', summary: oneLine(event.result) };
  }
  const message = event.result ?? event.subtype ?? 'claude reported an error';
  const status = event.api_error_status;
  if (status === 401 || status === 403) {
    return { ...usage, outcome: 'auth_failure', summary: oneLine(message) };
  }
  return failedRun(message, usage);
}
