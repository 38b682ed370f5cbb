import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  eachLine,
  InvocationRefused,
  jsonValues,
  lastLine,
  oneLine,
  textOutcome,
  transportOutcome,
} from '../../src/runner/executors/classify.js';
import { executorSchema } from '../../src/entry/config/file-schema.js';
import { createClaudeProfile } from '../../src/runner/executors/claude.js';
import { createCodexProfile } from '../../src/runner/executors/codex.js';
import { createGeminiProfile } from '../../src/runner/executors/gemini.js';
import type { ExecutorTask } from '../../src/runner/executors/profile.js';
import { createExecutorProfile, SHELL_PROFILE } from '../../src/runner/executors/registry.js';
import type {
  CapturedOutput,
  ExecResult,
  ExitStatus,
  TransportFailure,
} from '../../src/runner/transport.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/cli/${name}`, import.meta.url), 'utf8');

const captured = (text: string): CapturedOutput => ({
  text,
  totalBytes: Buffer.byteLength(text),
  truncated: false,
});

/** Head and tail of `text` with a marker where the middle was dropped, as a transport keeps it. */
const truncated = (text: string, head: number, tail: number): CapturedOutput => ({
  text: [
    text.slice(0, head),
    `[… ${text.length - head - tail} bytes dropped …]`,
    text.slice(-tail),
  ].join('\n'),
  totalBytes: Buffer.byteLength(text),
  truncated: true,
});

interface RunOptions {
  readonly code?: number;
  readonly exit?: ExitStatus;
  readonly failure?: TransportFailure | null;
  readonly stdout?: string | CapturedOutput;
  readonly stderr?: string;
}

const exec = (options: RunOptions): ExecResult => ({
  exit: options.exit ?? { kind: 'exited', code: options.code ?? 0 },
  failure: options.failure ?? null,
  stdout: typeof options.stdout === 'object' ? options.stdout : captured(options.stdout ?? ''),
  stderr: captured(options.stderr ?? ''),
  durationMs: 1234,
  pgid: 4242,
});

const task = (overrides: Partial<ExecutorTask> = {}): ExecutorTask => ({
  prompt: 'fix the flaky login test',
  argv: null,
  model: null,
  sessionId: null,
  ...overrides,
});

const claude = createClaudeProfile({ name: 'claude-sonnet', model: null });
const codex = createCodexProfile({ name: 'codex', model: null });
const gemini = createGeminiProfile({ name: 'gemini-flash', model: null });

const SESSION = '0199a213-81c0-7800-8aa1-bbab2a035a53';

describe('classify helpers', () => {
  it('maps every transport failure, SSH auth staying an auth failure', () => {
    const cases: [TransportFailure, string][] = [
      ['timeout', 'timeout'],
      ['cancelled', 'cancelled'],
      ['host_unreachable', 'host_unreachable'],
      ['host_key_mismatch', 'host_key_mismatch'],
      ['auth_failure', 'auth_failure'],
      ['connection_lost', 'network_failure'],
    ];
    for (const [failure, outcome] of cases) {
      expect(transportOutcome(exec({ failure }))).toBe(outcome);
    }
    expect(transportOutcome(exec({ code: 3 }))).toBeNull();
  });

  it('reads auth and network failures from CLI wording', () => {
    expect(textOutcome('Not logged in · Please run /login')).toBe('auth_failure');
    expect(textOutcome('Please set an Auth method in your settings.json')).toBe('auth_failure');
    expect(textOutcome('unexpected status 401 Unauthorized: Missing bearer')).toBe('auth_failure');
    expect(textOutcome('Invalid API key · Fix external API key')).toBe('auth_failure');
    expect(textOutcome('getaddrinfo ENOTFOUND api.anthropic.com')).toBe('network_failure');
    expect(textOutcome('failed to lookup address information: Name does not resolve')).toBe(
      'network_failure',
    );
    expect(textOutcome('connect ECONNREFUSED 127.0.0.1:443')).toBe('network_failure');
    expect(textOutcome('TypeError: cannot read properties of undefined')).toBeNull();
    expect(textOutcome(null)).toBeNull();
  });

  it('finds the last non-empty line and squeezes text onto one capped line', () => {
    expect(lastLine('first\nsecond  \n\n  \n')).toBe('second');
    expect(lastLine(' \n\n')).toBeNull();
    expect(lastLine('')).toBeNull();
    expect(lastLine('only')).toBe('only');
    expect(lastLine('\nlast\r\n')).toBe('last');
    expect(lastLine('a\n\nb\n\n')).toBe('b');
    expect(oneLine('  a\n\n b\tc ')).toBe('a b c');
    expect(oneLine('')).toBeNull();
    const long = oneLine('x'.repeat(1000));
    expect(long).toHaveLength(300);
    expect(long?.endsWith('…')).toBe(true);
  });

  it('walks lines like split would, without holding them all', () => {
    for (const text of ['', 'a', 'a\n', '\na', 'a\n\nb', '\n\n', 'x\r\ny\n'])
      expect([...eachLine(text)]).toEqual(text.split('\n'));
  });

  it('reads one document, JSONL, or a pretty document after noise', () => {
    expect(jsonValues('{\n  "a": 1\n}\n')).toEqual([{ a: 1 }]);
    expect(jsonValues('{"a":1}\nnot json\n{"b":2}\n')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(jsonValues('Loaded cached credentials.\n{\n  "a": [1,\n 2]\n}\n')).toEqual([
      { a: [1, 2] },
    ]);
    expect(jsonValues('plain text')).toEqual([]);
    expect(jsonValues('')).toEqual([]);
  });
});

describe('shell profile', () => {
  it('runs argv verbatim with no stdin', () => {
    const argv = ['npm', 'test', '--', '--grep', 'login; rm -rf /'];
    expect(SHELL_PROFILE.invocation(task({ prompt: null, argv }))).toEqual({ argv, stdin: null });
    expect(SHELL_PROFILE.name).toBe('shell');
    expect(SHELL_PROFILE.cli).toBe('shell');
  });

  it('refuses a task without argv', () => {
    expect(() => SHELL_PROFILE.invocation(task({ argv: null }))).toThrow(/argv/);
    expect(() => SHELL_PROFILE.invocation(task({ argv: [] }))).toThrow(/argv/);
  });

  it('succeeds on exit 0 with the last stdout line as summary', () => {
    const parsed = SHELL_PROFILE.parse(exec({ stdout: 'running 42 tests\nTests: 42 passed\n' }));
    expect(parsed).toEqual({
      outcome: 'succeeded',
      summary: 'Tests: 42 passed',
      costUsd: null,
      tokensIn: 0,
      tokensOut: 0,
      sessionId: null,
    });
  });

  it('fails on a non-zero exit with the last stderr line, else stdout, else the exit', () => {
    const stderr = 'npm ERR! code ELIFECYCLE\nnpm ERR! Test failed.  See above.\n\n';
    expect(SHELL_PROFILE.parse(exec({ code: 1, stdout: 'ok\n', stderr }))).toMatchObject({
      outcome: 'failed',
      summary: 'npm ERR! Test failed. See above.',
    });
    expect(SHELL_PROFILE.parse(exec({ code: 2, stdout: '1 failing\n' })).summary).toBe('1 failing');
    expect(SHELL_PROFILE.parse(exec({ code: 127 })).summary).toBe('exited with code 127');
    const killed = SHELL_PROFILE.parse(exec({ exit: { kind: 'signaled', signal: 'SIGKILL' } }));
    expect(killed).toMatchObject({ outcome: 'failed', summary: 'killed by SIGKILL' });
  });

  it('does not guess auth or network failures from a command’s own words', () => {
    const stderr = 'FAIL test/network.test.ts > rejects an unauthorized api key\n';
    expect(SHELL_PROFILE.parse(exec({ code: 1, stderr })).outcome).toBe('failed');
  });

  it('lets a transport failure win over the exit status', () => {
    const cases: [TransportFailure, string][] = [
      ['timeout', 'timeout'],
      ['cancelled', 'cancelled'],
      ['host_key_mismatch', 'host_key_mismatch'],
      ['host_unreachable', 'host_unreachable'],
      ['auth_failure', 'auth_failure'],
      ['connection_lost', 'network_failure'],
    ];
    for (const [failure, outcome] of cases) {
      const parsed = SHELL_PROFILE.parse(exec({ failure, stdout: 'done\n' }));
      expect(parsed.outcome).toBe(outcome);
    }
    const timedOut = SHELL_PROFILE.parse(
      exec({ failure: 'timeout', exit: { kind: 'signaled', signal: 'SIGKILL' } }),
    );
    expect(timedOut.summary).toBe('Timed out; last message: killed by SIGKILL');
  });
});

const CLAUDE_SUCCESS = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: false,
  api_error_status: null,
  duration_ms: 48211,
  duration_api_ms: 45102,
  num_turns: 9,
  result: 'Fixed the flaky login test: it raced the session cookie.\n\nAwaited the redirect first.',
  stop_reason: 'end_turn',
  session_id: '5d2f9f0e-3c1a-4b8e-9d7a-2f1e0c9b8a71',
  total_cost_usd: 0.0842,
  usage: {
    input_tokens: 31,
    cache_creation_input_tokens: 6120,
    cache_read_input_tokens: 48300,
    output_tokens: 1874,
    server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
    service_tier: 'standard',
  },
  modelUsage: { 'claude-sonnet-4-5': { inputTokens: 31, outputTokens: 1874, costUSD: 0.0842 } },
  permission_denials: [],
  uuid: 'c7f1c2de-8f4e-4a51-9d1c-0b6a0f6f2e11',
});

const jsonl = (events: readonly object[]): string =>
  events.map((e) => JSON.stringify(e)).join('\n') + '\n';

describe('claude profile', () => {
  it('puts the prompt on stdin and flags in argv', () => {
    expect(claude.invocation(task())).toEqual({
      argv: ['claude', '-p', '--output-format', 'stream-json', '--verbose'],
      stdin: 'fix the flaky login test',
    });
    expect(claude.invocation(task({ model: 'opus', sessionId: SESSION })).argv).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model=opus',
      `--resume=${SESSION}`,
    ]);
  });

  it('uses the executor’s model unless the task names one', () => {
    const sonnet = createClaudeProfile({ name: 'claude-sonnet', model: 'sonnet' });
    expect(sonnet.invocation(task()).argv).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model=sonnet',
    ]);
    expect(sonnet.invocation(task({ model: 'opus' })).argv).toContain('--model=opus');
    expect(sonnet.invocation(task({ model: 'opus' })).argv).not.toContain('--model=sonnet');
  });

  it('refuses an agent task without a prompt', () => {
    expect(() => claude.invocation(task({ prompt: null }))).toThrow(/prompt/);
  });

  it('classifies the real logged-out json result (is_error, "success", exit 1) as auth', () => {
    const parsed = claude.parse(
      exec({ code: 1, stdout: fixture('claude-2.1.197-json-not-logged-in.json') }),
    );
    expect(parsed).toEqual({
      outcome: 'auth_failure',
      summary: 'Not logged in · Please run /login',
      costUsd: 0,
      tokensIn: 0,
      tokensOut: 0,
      sessionId: '7fc06135-799f-49d2-b1c0-df3cc5a539a9',
    });
  });

  it('classifies the real logged-out stream-json transcript as auth', () => {
    const stdout = fixture('claude-2.1.197-stream-json-not-logged-in.jsonl');
    expect(claude.parse(exec({ code: 1, stdout }))).toMatchObject({
      outcome: 'auth_failure',
      summary: 'Not logged in · Please run /login',
      sessionId: '2adc3ed9-af68-4b35-9560-0611e6e250d0',
    });
  });

  it('reads result, cost, tokens (cache counts as input) and session from a success', () => {
    expect(claude.parse(exec({ stdout: `${CLAUDE_SUCCESS}\n` }))).toEqual({
      outcome: 'succeeded',
      summary:
        'Fixed the flaky login test: it raced the session cookie. Awaited the redirect first.',
      costUsd: 0.0842,
      tokensIn: 31 + 6120 + 48300,
      tokensOut: 1874,
      sessionId: '5d2f9f0e-3c1a-4b8e-9d7a-2f1e0c9b8a71',
    });
  });

  const streamSuccess = jsonl([
    { type: 'system', subtype: 'init', session_id: SESSION, model: 'claude-sonnet-4-5' },
    ...Array.from({ length: 40 }, (_, i) => ({
      type: 'assistant',
      session_id: SESSION,
      message: { role: 'assistant', content: [{ type: 'text', text: `step ${i} `.repeat(20) }] },
    })),
    { ...(JSON.parse(CLAUDE_SUCCESS) as object), session_id: SESSION },
  ]);

  it('reads the last result event of a stream-json transcript', () => {
    expect(claude.parse(exec({ stdout: streamSuccess }))).toMatchObject({
      outcome: 'succeeded',
      costUsd: 0.0842,
      tokensOut: 1874,
      sessionId: SESSION,
    });
  });

  it('still reads a stream-json result kept in the tail of a truncated capture', () => {
    const stdout = truncated(streamSuccess, 700, CLAUDE_SUCCESS.length + 300);
    expect(stdout.text.length).toBeLessThan(streamSuccess.length);
    expect(claude.parse(exec({ stdout }))).toMatchObject({
      outcome: 'succeeded',
      costUsd: 0.0842,
      sessionId: SESSION,
    });
  });

  it('fails an error result that is not about auth or network', () => {
    const maxTurns = JSON.stringify({
      type: 'result',
      subtype: 'error_max_turns',
      is_error: true,
      num_turns: 30,
      session_id: SESSION,
      total_cost_usd: 1.27,
      usage: { input_tokens: 900, output_tokens: 4000 },
    });
    expect(claude.parse(exec({ code: 1, stdout: maxTurns }))).toMatchObject({
      outcome: 'failed',
      summary: 'error_max_turns',
      costUsd: 1.27,
      tokensIn: 900,
    });
  });

  it('trusts a non-zero exit over a result that claims success', () => {
    expect(claude.parse(exec({ code: 1, stdout: CLAUDE_SUCCESS })).outcome).toBe('failed');
  });

  it('reads auth from api_error_status and network from the result text', () => {
    const denied = JSON.stringify({
      type: 'result',
      is_error: true,
      api_error_status: 401,
      result: 'API Error: OAuth token has expired',
    });
    expect(claude.parse(exec({ code: 1, stdout: denied })).outcome).toBe('auth_failure');
    const offline = JSON.stringify({
      type: 'result',
      is_error: true,
      result: 'API Error: Connection error. (getaddrinfo ENOTFOUND api.anthropic.com)',
    });
    expect(claude.parse(exec({ code: 1, stdout: offline })).outcome).toBe('network_failure');
  });

  it('calls unreadable output after exit 0 a parse error, and reads stderr after a crash', () => {
    expect(claude.parse(exec({ stdout: 'Hello! How can I help?\n' })).outcome).toBe(
      'output_parse_error',
    );
    expect(claude.parse(exec({ stdout: '{"type":"result",' })).outcome).toBe('output_parse_error');
    const crash = claude.parse(
      exec({ code: 1, stderr: 'Error: connect ECONNREFUSED 1.2.3.4:443' }),
    );
    expect(crash).toMatchObject({
      outcome: 'network_failure',
      summary: 'Error: connect ECONNREFUSED 1.2.3.4:443',
    });
    expect(claude.parse(exec({ code: 2, stderr: 'Segmentation fault' })).outcome).toBe('failed');
  });

  it('lets a transport failure win and keeps the cost read so far', () => {
    const timedOut = claude.parse(
      exec({
        failure: 'timeout',
        exit: { kind: 'signaled', signal: 'SIGKILL' },
        stdout: streamSuccess,
      }),
    );
    expect(timedOut).toMatchObject({ outcome: 'timeout', costUsd: 0.0842, sessionId: SESSION });
    const stdout = fixture('claude-2.1.197-json-not-logged-in.json');
    expect(claude.parse(exec({ code: 1, failure: 'cancelled', stdout })).outcome).toBe('cancelled');
    expect(
      claude.parse(exec({ failure: 'host_key_mismatch', exit: { kind: 'missing' } })),
    ).toMatchObject({
      outcome: 'host_key_mismatch',
      summary: expect.stringMatching(/^Host key mismatch/),
    });
  });
});

const CODEX_SUCCESS = jsonl([
  { type: 'thread.started', thread_id: SESSION },
  { type: 'turn.started' },
  { type: 'error', message: 'Reconnecting... 1/5 (stream disconnected before completion)' },
  { type: 'item.completed', item: { id: 'item_0', type: 'reasoning', text: '**Reading test**' } },
  {
    type: 'item.started',
    item: {
      id: 'item_1',
      type: 'command_execution',
      command: 'bash -lc "npm test -- login"',
      aggregated_output: '',
      exit_code: null,
      status: 'in_progress',
    },
  },
  {
    type: 'item.completed',
    item: {
      id: 'item_1',
      type: 'command_execution',
      command: 'bash -lc "npm test -- login"',
      aggregated_output: 'Tests: 12 passed\n',
      exit_code: 0,
      status: 'completed',
    },
  },
  {
    type: 'item.completed',
    item: {
      id: 'item_2',
      type: 'agent_message',
      text: 'The login test now waits for the redirect; 12 tests pass.',
    },
  },
  {
    type: 'turn.completed',
    usage: { input_tokens: 24763, cached_input_tokens: 24448, output_tokens: 122 },
  },
]);

describe('codex profile', () => {
  it('reads the prompt from stdin via the `-` argument', () => {
    expect(codex.invocation(task())).toEqual({
      argv: ['codex', 'exec', '--json', '-'],
      stdin: 'fix the flaky login test',
    });
    expect(codex.invocation(task({ model: 'gpt-5-codex' })).argv).toEqual([
      'codex',
      'exec',
      '--json',
      '--model=gpt-5-codex',
      '-',
    ]);
    expect(codex.invocation(task({ sessionId: SESSION })).argv).toEqual([
      'codex',
      'exec',
      '--json',
      'resume',
      '--',
      SESSION,
      '-',
    ]);
    expect(() => codex.invocation(task({ prompt: null }))).toThrow(/prompt/);
  });

  it('reads the message, usage and thread id of a successful transcript', () => {
    expect(codex.parse(exec({ stdout: CODEX_SUCCESS }))).toEqual({
      outcome: 'succeeded',
      summary: 'The login test now waits for the redirect; 12 tests pass.',
      costUsd: null,
      tokensIn: 24763,
      tokensOut: 122,
      sessionId: SESSION,
    });
  });

  it('still reads a transcript whose middle was dropped', () => {
    const stdout = truncated(CODEX_SUCCESS, 120, 400);
    expect(codex.parse(exec({ stdout }))).toMatchObject({
      outcome: 'succeeded',
      tokensIn: 24763,
      sessionId: SESSION,
    });
  });

  const offline = fixture('codex-0.169.0-exec-json-offline.jsonl');
  const offlineStderr = fixture('codex-0.169.0-exec-json-offline.stderr');

  it('calls the real offline transcript a timeout when the transport killed it', () => {
    const parsed = codex.parse(
      exec({
        failure: 'timeout',
        exit: { kind: 'signaled', signal: 'SIGKILL' },
        stdout: offline,
        stderr: offlineStderr,
      }),
    );
    expect(parsed).toMatchObject({
      outcome: 'timeout',
      sessionId: '01a2012b-7b0c-7da3-8186-a06802500aab',
    });
    expect(parsed.summary).toMatch(/^Timed out; last message: .*Name does not resolve/);
  });

  it('calls the real offline transcript a network failure when codex itself gave up', () => {
    for (const code of [1, 124]) {
      const parsed = codex.parse(exec({ code, stdout: offline, stderr: offlineStderr }));
      expect(parsed.outcome).toBe('network_failure');
      expect(parsed.sessionId).toBe('01a2012b-7b0c-7da3-8186-a06802500aab');
    }
  });

  it('classifies a failed turn by its message', () => {
    const stdout = jsonl([
      { type: 'thread.started', thread_id: SESSION },
      { type: 'turn.started' },
      { type: 'error', message: 'unexpected status 401 Unauthorized: Missing bearer auth' },
      {
        type: 'turn.failed',
        error: { message: 'unexpected status 401 Unauthorized: Missing bearer auth' },
      },
    ]);
    expect(codex.parse(exec({ code: 1, stdout }))).toMatchObject({
      outcome: 'auth_failure',
      sessionId: SESSION,
    });
    const quota = jsonl([
      { type: 'turn.failed', error: { message: 'You exceeded your current quota' } },
    ]);
    expect(codex.parse(exec({ code: 1, stdout: quota })).outcome).toBe('failed');
  });

  it('does not blame a bad exit after a completed turn on retries that recovered', () => {
    const stderr = 'thread panicked: failed to write rollout file\n';
    expect(codex.parse(exec({ code: 101, stdout: CODEX_SUCCESS, stderr }))).toMatchObject({
      outcome: 'failed',
      summary: 'thread panicked: failed to write rollout file',
    });
  });

  it('calls unreadable output after exit 0 a parse error', () => {
    expect(codex.parse(exec({ stdout: 'Done.\n' })).outcome).toBe('output_parse_error');
    const started = jsonl([{ type: 'thread.started', thread_id: SESSION }]);
    expect(codex.parse(exec({ stdout: started }))).toMatchObject({
      outcome: 'output_parse_error',
      sessionId: SESSION,
    });
  });

  it('lets cancel and host key failures win over a successful transcript', () => {
    const cancelled = codex.parse(exec({ failure: 'cancelled', stdout: CODEX_SUCCESS }));
    expect(cancelled).toMatchObject({
      outcome: 'cancelled',
      summary: 'Cancelled',
      tokensIn: 24763,
    });
    expect(codex.parse(exec({ failure: 'host_key_mismatch' })).outcome).toBe('host_key_mismatch');
  });
});

const GEMINI_SUCCESS = JSON.stringify(
  {
    session_id: 'b8a3c2f1-4d5e-4f60-8a9b-0c1d2e3f4a5b',
    response: 'The flaky test raced a redirect.\nI added an explicit wait; all 12 tests pass.',
    stats: {
      models: {
        'gemini-2.5-flash': {
          api: { totalRequests: 3, totalErrors: 0, totalLatencyMs: 5210 },
          tokens: {
            input: 7120,
            prompt: 9120,
            candidates: 410,
            total: 9730,
            cached: 2000,
            thoughts: 200,
            tool: 0,
          },
        },
        'gemini-2.5-flash-lite': {
          api: { totalRequests: 1, totalErrors: 0, totalLatencyMs: 300 },
          tokens: { input: 500, prompt: 500, candidates: 20, total: 520, cached: 0, thoughts: 0 },
        },
      },
      tools: { totalCalls: 2, totalSuccess: 2, totalFail: 0, byName: {} },
      files: { totalLinesAdded: 3, totalLinesRemoved: 1 },
    },
  },
  null,
  2,
);

describe('gemini profile', () => {
  it('selects headless mode with -p and sends the prompt on stdin', () => {
    expect(gemini.invocation(task())).toEqual({
      argv: ['gemini', '--output-format', 'json', '-p', ''],
      stdin: 'fix the flaky login test',
    });
    const flash = createGeminiProfile({ name: 'gemini-flash', model: 'gemini-2.5-flash' });
    expect(flash.invocation(task({ sessionId: SESSION })).argv).toEqual([
      'gemini',
      '--output-format',
      'json',
      '--model=gemini-2.5-flash',
      `--resume=${SESSION}`,
      '-p',
      '',
    ]);
    expect(() => gemini.invocation(task({ prompt: null }))).toThrow(/prompt/);
  });

  it('reads response, session and tokens summed over models', () => {
    expect(gemini.parse(exec({ stdout: `${GEMINI_SUCCESS}\n` }))).toEqual({
      outcome: 'succeeded',
      summary: 'The flaky test raced a redirect. I added an explicit wait; all 12 tests pass.',
      costUsd: null,
      tokensIn: 9120 + 500,
      tokensOut: 410 + 200 + 20,
      sessionId: 'b8a3c2f1-4d5e-4f60-8a9b-0c1d2e3f4a5b',
    });
  });

  it('tolerates stats it does not recognise', () => {
    const odd = JSON.stringify({ response: 'ok', stats: { models: 'n/a' }, extra: [1] });
    expect(gemini.parse(exec({ stdout: odd }))).toMatchObject({
      outcome: 'succeeded',
      summary: 'ok',
      tokensIn: 0,
    });
  });

  it('classifies the real no-auth json (exit 41) as auth', () => {
    const stdout = fixture('gemini-0.61.0-json-no-auth.json');
    const parsed = gemini.parse(exec({ code: 41, stdout }));
    expect(parsed).toMatchObject({
      outcome: 'auth_failure',
      sessionId: '3f0c06a9-ca81-4c79-b920-c9339032a38c',
    });
    expect(parsed.summary).toMatch(/^Please set an Auth method/);
  });

  it('reads the no-auth json document from stderr, where the real gemini 0.61.0 prints it', () => {
    const stderr = fixture('gemini-0.61.0-json-no-auth.json');
    expect(gemini.parse(exec({ code: 41, stderr }))).toMatchObject({
      outcome: 'auth_failure',
      summary: expect.stringMatching(/^Please set an Auth method/),
      sessionId: '3f0c06a9-ca81-4c79-b920-c9339032a38c',
    });
    // Any other fatal error document on stderr is read the same way: its message, not its `}`.
    const config = JSON.stringify({ error: { message: 'Invalid settings.json', code: 52 } });
    expect(gemini.parse(exec({ code: 52, stderr: `warning: odd\n${config}\n` }))).toMatchObject({
      outcome: 'failed',
      summary: 'Invalid settings.json',
    });
  });

  it('classifies the real no-auth stream-json output (plain text, exit 41) as auth', () => {
    const stdout = fixture('gemini-0.61.0-stream-json-no-auth.jsonl');
    expect(gemini.parse(exec({ code: 41, stdout }))).toMatchObject({
      outcome: 'auth_failure',
      summary: expect.stringMatching(/^Please set an Auth method/),
    });
  });

  it('fails other reported errors', () => {
    const stdout = JSON.stringify({
      error: { type: 'FatalConfigError', message: 'Invalid settings.json', code: 52 },
    });
    expect(gemini.parse(exec({ code: 52, stdout }))).toMatchObject({
      outcome: 'failed',
      summary: 'Invalid settings.json',
    });
  });

  const streamSuccess = jsonl([
    { type: 'init', timestamp: '2026-11-22T03:00:00Z', session_id: SESSION, model: 'gemini-2.5' },
    { type: 'message', role: 'user', content: 'fix the flaky login test' },
    { type: 'message', role: 'assistant', content: 'Added a wait; ', delta: true },
    { type: 'message', role: 'assistant', content: 'tests pass.', delta: true },
    {
      type: 'result',
      status: 'success',
      stats: { total_tokens: 950, input_tokens: 900, output_tokens: 50, cached: 0, input: 900 },
    },
  ]);

  it('also reads a stream-json transcript', () => {
    expect(gemini.parse(exec({ stdout: streamSuccess }))).toEqual({
      outcome: 'succeeded',
      summary: 'Added a wait; tests pass.',
      costUsd: null,
      tokensIn: 900,
      tokensOut: 50,
      sessionId: SESSION,
    });
    const stdout = truncated(streamSuccess, 100, 200);
    expect(gemini.parse(exec({ stdout }))).toMatchObject({ outcome: 'succeeded', tokensIn: 900 });
  });

  it('calls unreadable output after exit 0 a parse error', () => {
    expect(gemini.parse(exec({ stdout: 'Sure! Here is the fix.' })).outcome).toBe(
      'output_parse_error',
    );
    expect(gemini.parse(exec({ stdout: '{"unrelated": true}' })).outcome).toBe(
      'output_parse_error',
    );
  });

  it('lets a transport failure win', () => {
    expect(gemini.parse(exec({ failure: 'timeout', stdout: GEMINI_SUCCESS })).outcome).toBe(
      'timeout',
    );
    expect(gemini.parse(exec({ failure: 'connection_lost' })).outcome).toBe('network_failure');
  });
});

describe('createExecutorProfile', () => {
  it('builds a profile per configured cli with the executor’s name and model', () => {
    const cases = [
      { name: 'claude-opus', cli: 'claude', model: 'opus' },
      { name: 'codex', cli: 'codex', model: 'gpt-5-codex' },
      { name: 'gemini-pro', cli: 'gemini', model: 'gemini-2.5-pro' },
    ] as const;
    for (const config of cases) {
      const profile = createExecutorProfile(config);
      expect(profile).toMatchObject({ name: config.name, cli: config.cli });
      const { argv } = profile.invocation(task());
      expect(argv[0]).toBe(config.cli);
      expect(argv).toContain(`--model=${config.model}`);
    }
  });

  it('never puts the prompt or a permission bypass in argv', () => {
    const prompt = 'please DROP the --dangerously-skip-permissions idea';
    for (const cli of ['claude', 'codex', 'gemini']) {
      const profile = createExecutorProfile({ name: cli, cli, model: 'm' });
      const { argv, stdin } = profile.invocation(task({ prompt, sessionId: SESSION }));
      expect(stdin).toBe(prompt);
      expect(argv).not.toContain(prompt);
      expect(argv.join(' ')).not.toMatch(/dangerous|yolo|bypass|approv|skip-permissions|--trust/i);
    }
  });

  it('never puts a session id or model a runner or CLI made up where the CLI reads a flag', () => {
    const FLAG = '--dangerously-skip-permissions';
    for (const cli of ['claude', 'codex', 'gemini']) {
      const profile = createExecutorProfile({ name: cli, cli, model: null });
      for (const sessionId of [FLAG, '-r', 'latest', '5', `${SESSION} --yolo`, `${SESSION}\n`]) {
        expect(() => profile.invocation(task({ sessionId }))).toThrow(InvocationRefused);
        expect(() => profile.invocation(task({ sessionId }))).toThrow(/not a valid session id/);
      }
      for (const model of ['-m', FLAG, 'opus --yolo', '']) {
        expect(() => profile.invocation(task({ model }))).toThrow(/not a valid model name/);
      }
      // The real thing still goes through, bound to its flag or after `--`.
      const { argv } = profile.invocation(task({ sessionId: SESSION, model: 'gpt-5.1' }));
      expect(argv.filter((a) => a.startsWith('-') && a.includes(SESSION))).toEqual(
        cli === 'codex' ? [] : [`--resume=${SESSION}`],
      );
      if (cli === 'codex') expect(argv.slice(argv.indexOf('--'), -1)).toEqual(['--', SESSION]);
      expect(argv.join(' ')).not.toContain(FLAG);
    }
    expect(() =>
      createExecutorProfile({
        name: 'x',
        cli: 'claude',
        model: '--dangerously-skip-permissions',
      }).invocation(task()),
    ).toThrow(InvocationRefused);
  });

  it('refuses a configured model name that is not one, at config load', () => {
    const entry = (model: string) => executorSchema.safeParse({ name: 'x', cli: 'claude', model });
    for (const model of ['sonnet', 'gpt-5-codex', 'gemini-2.5-pro', 'claude-sonnet-4-5[1m]']) {
      expect(entry(model).success).toBe(true);
    }
    for (const model of ['--dangerously-skip-permissions', '-m', 'opus --yolo', 'a\nb']) {
      expect(entry(model).success).toBe(false);
    }
  });

  it('keeps no session id from CLI output that is not one', () => {
    const FLAG = '--dangerously-skip-permissions';
    const claudeOut = jsonl([
      { type: 'result', subtype: 'success', result: 'ok', session_id: FLAG },
    ]);
    expect(claude.parse(exec({ stdout: claudeOut })).sessionId).toBeNull();
    const codexOut = jsonl([
      { type: 'thread.started', thread_id: FLAG },
      { type: 'item.completed', item: { type: 'agent_message', text: 'done' } },
      { type: 'turn.completed', usage: { input_tokens: 1, output_tokens: 1 } },
    ]);
    expect(codex.parse(exec({ stdout: codexOut })).sessionId).toBeNull();
    const geminiOut = JSON.stringify({ session_id: FLAG, response: 'ok' });
    expect(gemini.parse(exec({ stdout: geminiOut })).sessionId).toBeNull();
    // A real one is kept.
    const real = jsonl([{ type: 'result', subtype: 'success', result: 'ok', session_id: SESSION }]);
    expect(claude.parse(exec({ stdout: real })).sessionId).toBe(SESSION);
  });

  it('refuses an unknown cli, naming the executor', () => {
    expect(() => createExecutorProfile({ name: 'deepseek', cli: 'aider', model: null })).toThrow(
      /Executor "deepseek": unknown cli "aider"/,
    );
  });
});
