import { describe, expect, it } from 'vitest';
import type { Claim } from '../../src/core/ports/job-queue.js';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';
import { openStage, type StageResult } from '../../src/core/stage.js';
import { mintAgentToken, verifyAgentToken } from '../../src/gateway/agent-token.js';
import { claudeInvocation } from '../../src/runner/executors/claude.js';
import { createExecutorProfile } from '../../src/runner/executors/registry.js';
import { createRunner } from '../../src/runner/runner.js';
import type { ExecRequest, ExecResult, Transport } from '../../src/runner/transport.js';
import type { WorkSource } from '../../src/runner/work-source.js';
import { aTask } from '../helpers/builders.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TASK_ID = '01900000-0000-7000-8000-0000000000aa';
const TOKEN = 'sba.secret-token-value';
const CONFIG_PATH = '/tmp/switchboard-mcp.Ab12Cd34';

const base = { prompt: 'fix it', argv: null, model: null, sessionId: null };

describe('claude with permission prompts', () => {
  it('adds the prompt tool and the MCP config file only when given one', () => {
    expect(claudeInvocation({ ...base, mcpConfigPath: CONFIG_PATH }, 'sonnet').argv).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model=sonnet',
      '--permission-prompt-tool',
      'mcp__switchboard__approve_tool_use',
      '--mcp-config',
      CONFIG_PATH,
    ]);
    const plain = claudeInvocation(base, 'sonnet').argv.join(' ');
    expect(plain).not.toContain('--permission-prompt-tool');
    expect(plain).not.toContain('--mcp-config');
  });

  it('is a claude-only executor option', () => {
    const on = createExecutorProfile({
      name: 'claude-gated',
      cli: 'claude',
      model: null,
      permissionPrompts: true,
    });
    expect(on.permissionPrompts).toBe(true);
    expect(createExecutorProfile({ name: 'c', cli: 'claude', model: null }).permissionPrompts).toBe(
      false,
    );
    expect(() =>
      createExecutorProfile({ name: 'cx', cli: 'codex', model: null, permissionPrompts: true }),
    ).toThrow(/permission_prompts works with cli claude only/);
  });
});

function ok(stdout = ''): ExecResult {
  const out = (text: string) => ({ text, totalBytes: text.length, truncated: false });
  return {
    exit: { kind: 'exited', code: 0 },
    failure: null,
    stdout: out(stdout),
    stderr: out(''),
    durationMs: 1,
    pgid: null,
  };
}

/** Records every command; the MCP config write answers with a path, claude with a result. */
function recordingTransport(): Transport & { readonly calls: ExecRequest[] } {
  const calls: ExecRequest[] = [];
  return {
    calls,
    async exec(request) {
      calls.push(request);
      if (request.argv[0] === 'sh') return ok(CONFIG_PATH);
      if (request.argv[0] === 'claude')
        return ok('{"type":"result","subtype":"success","is_error":false,"result":"done"}');
      return ok();
    },
    async close() {},
  };
}

function oneClaim(): { work: WorkSource; completed: { outcome: string; result: StageResult }[] } {
  const task = aTask({
    id: TASK_ID,
    kind: 'agent',
    status: 'running',
    executor: 'claude-gated',
    prompt: 'fix it',
    argv: null,
    fencingToken: 7,
  });
  const claim: Claim = {
    task,
    stage: openStage({ id: 's-1', task, runnerId: 'r', startedAt: task.createdAt }),
    lease: { taskId: task.id, runnerId: 'r', fencingToken: 7, expiresAt: task.createdAt },
  };
  let given = false;
  const completed: { outcome: string; result: StageResult }[] = [];
  return {
    completed,
    work: {
      leaseS: 30,
      claim: async () => (given ? null : ((given = true), claim)),
      heartbeat: async () => true,
      progress: async () => true,
      async complete(_id, _token, outcome, result) {
        completed.push({ outcome, result });
        return true;
      },
    },
  };
}

async function runOnce(agentMcp?: Parameters<typeof createRunner>[0]['agentMcp']) {
  const transport = recordingTransport();
  const { work, completed } = oneClaim();
  const profile = createExecutorProfile({
    name: 'claude-gated',
    cli: 'claude',
    model: null,
    permissionPrompts: true,
  });
  const runner = createRunner(
    {
      work,
      log: SILENT_LOGGER,
      transportFor: () => transport,
      profileFor: () => profile,
      repoPath: () => null,
      ...(agentMcp ? { agentMcp } : {}),
    },
    { spoolDir: makeTempDir(), pollMs: 10 },
  );
  runner.start();
  for (let i = 0; i < 500 && completed.length === 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  await runner.stop();
  return { calls: transport.calls, completed };
}

describe('the runner and permission prompts', () => {
  it('writes the MCP config through stdin, points claude at it, and removes it; the token never reaches argv', async () => {
    const grants: [string, number][] = [];
    const { calls, completed } = await runOnce(async (task, fencingToken) => {
      grants.push([task.id, fencingToken]);
      return { url: 'http://127.0.0.1:8787/mcp', token: TOKEN };
    });
    expect(grants).toEqual([[TASK_ID, 7]]);
    expect(calls.map((c) => c.argv[0])).toEqual(['sh', 'claude', 'rm']);
    for (const c of calls) expect(c.argv.join(' ')).not.toContain(TOKEN);
    expect(calls[0]?.argv.join(' ')).toContain('umask 077');
    expect(JSON.parse(calls[0]?.stdin ?? '')).toEqual({
      mcpServers: {
        switchboard: {
          type: 'http',
          url: 'http://127.0.0.1:8787/mcp',
          headers: { Authorization: `Bearer ${TOKEN}` },
        },
      },
    });
    expect(calls[1]?.argv.slice(-4)).toEqual([
      '--permission-prompt-tool',
      'mcp__switchboard__approve_tool_use',
      '--mcp-config',
      CONFIG_PATH,
    ]);
    expect(calls[1]?.stdin).toBe('fix it');
    expect(calls[2]?.argv).toEqual(['rm', '-f', '--', CONFIG_PATH]);
    expect(completed.map((c) => c.outcome)).toEqual(['succeeded']);
  });

  it('refuses to start the agent when the gateway is unreachable from the host', async () => {
    const { calls, completed } = await runOnce(async () => ({
      unavailable: 'host vm needs public_url in the config to reach the gateway',
    }));
    expect(calls).toEqual([]);
    expect(completed).toHaveLength(1);
    expect(completed[0]?.outcome).toBe('failed');
    expect(completed[0]?.result.summary).toBe(
      'permission prompts: host vm needs public_url in the config to reach the gateway',
    );
    const none = await runOnce();
    expect(none.calls).toEqual([]);
    expect(none.completed[0]?.result.summary).toMatch(/need the embedded runner/);
  });
});

describe('agent tokens', () => {
  it('speak for one claim of one task, under one secret', async () => {
    const token = await mintAgentToken('s3cret', TASK_ID, 7);
    expect(token).toMatch(/^sba\.[0-9a-f]{32}\.7\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyAgentToken('s3cret', token)).toEqual({ taskId: TASK_ID, fencingToken: 7 });
    expect(await verifyAgentToken('other', token)).toBeNull();
    const [, hex, , mac] = token.split('.');
    expect(await verifyAgentToken('s3cret', `sba.${hex}.8.${mac}`)).toBeNull();
    const flipped = `${mac!.slice(0, -1)}${mac!.endsWith('A') ? 'B' : 'A'}`;
    expect(await verifyAgentToken('s3cret', `sba.${hex}.7.${flipped}`)).toBeNull();
    expect(await verifyAgentToken('s3cret', 'not-a-token')).toBeNull();
  });
});
