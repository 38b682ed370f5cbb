// Claude's --permission-prompt-tool end to end: the embedded runner starts a stand-in claude
// with the MCP config it wrote; the test reads that config and calls approve_tool_use with the
// SDK client exactly as claude would, while approvers answer the card in the Telegram emulator.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPROVER,
  dataOf,
  labelsOf,
  OWNER,
  startTelegramApp,
  VIEWER,
  type TelegramApp,
} from '../helpers/telegram-app.js';

const TIMEOUT_S = 6;

// Records how it was started and the MCP config it was given, then runs until released.
const FAKE_CLAUDE = `#!/bin/sh
label=$(cat | tr -cd 'a-z0-9-')
cfg=""; prev=""
for a in "$@"; do if [ "$prev" = "--mcp-config" ]; then cfg="$a"; fi; prev="$a"; done
cp "$cfg" "$HOME/mcp-$label.json"
stat -c %a "$cfg" > "$HOME/mode-$label"
printf '%s' "$cfg" > "$HOME/path-$label"
printf '%s\\n' "$*" > "$HOME/argv-$label"
while [ ! -f "$HOME/release-$label" ]; do sleep 0.1; done
printf '{"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s-1","total_cost_usd":0.001,"usage":{"input_tokens":1,"output_tokens":1}}\\n'
`;

interface McpConfig {
  mcpServers: { switchboard: { type: string; url: string; headers: { Authorization: string } } };
}

describe.concurrent('agent permission prompts (MCP tool + Telegram cards)', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    t = await startTelegramApp({
      claude: FAKE_CLAUDE,
      executors:
        'executors: [{ name: claude-gated, cli: claude, model: sonnet, permission_prompts: true }]',
      yaml: [`approvals: { tool_timeout_s: ${TIMEOUT_S} }`, 'runner: { concurrency: 4 }'],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const file = (name: string) => join(t.dir, name);

  async function until<T>(what: string, check: () => T | undefined | false, ms = 15_000) {
    for (
      const end = Date.now() + ms;
      Date.now() < end;
      await new Promise((r) => setTimeout(r, 50))
    ) {
      const v = check();
      if (v) return v;
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Starts an agent task and waits for the stand-in claude to run; returns what it was given. */
  async function startAgent(label: string) {
    const r = await t.api.post('/api/tasks', {
      kind: 'agent',
      executor: 'claude-gated',
      prompt: label,
      host: 'local',
    });
    expect(r.status).toBe(201);
    await until('claude to start', () => existsSync(file(`argv-${label}`)));
    const config = JSON.parse(readFileSync(file(`mcp-${label}.json`), 'utf8')) as McpConfig;
    return {
      id: r.body.id,
      config,
      server: config.mcpServers.switchboard,
      argv: readFileSync(file(`argv-${label}`), 'utf8'),
      mode: readFileSync(file(`mode-${label}`), 'utf8').trim(),
      path: readFileSync(file(`path-${label}`), 'utf8'),
      release: () => writeFileSync(file(`release-${label}`), ''),
    };
  }

  async function connect(url: string, authorization: string) {
    const client = new Client({ name: 'claude-code', version: '2.1.197' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: authorization } },
      }),
    );
    return client;
  }

  const ask = (client: Client, input: Record<string, unknown>) =>
    client.callTool({
      name: 'approve_tool_use',
      arguments: { tool_name: 'Bash', input, tool_use_id: 'toolu_01' },
    }) as Promise<CallToolResult>;

  const answer = (r: CallToolResult) => {
    expect(r.isError).toBeFalsy();
    const [item] = r.content;
    if (item?.type !== 'text') throw new Error('no text content');
    return JSON.parse(item.text) as Record<string, unknown>;
  };

  const cardFor = (chatId: number, text: string) =>
    until(`a permission card with ${text}`, () =>
      t.emu.messages(chatId).find((m) => m.text.startsWith('🔐') && m.text.includes(text)),
    ).then((m) => structuredClone(m));

  it('writes a private MCP config for claude, and Approve once returns allow with the input', async () => {
    const agent = await startAgent('perm-allow');
    expect(agent.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(agent.mode).toBe('600');
    expect(agent.argv).toContain(
      `--permission-prompt-tool mcp__switchboard__approve_tool_use --mcp-config ${agent.path}`,
    );
    const token = agent.server.headers.Authorization.replace(/^Bearer /, '');
    expect(agent.argv).not.toContain(token);

    const client = await connect(agent.server.url, agent.server.headers.Authorization);
    const pending = ask(client, { command: 'echo allow-me', description: 'says hi' });
    const card = await cardFor(APPROVER, 'echo allow-me');
    expect(card.text.split('\n')[0]).toBe('🔐 claude-gated on local wants to use Bash');
    expect(labelsOf(card)).toEqual(['Approve once', 'Deny']);
    await cardFor(OWNER, 'echo allow-me');

    expect(await t.tap(VIEWER, card, dataOf(card, 'Approve once'))).toBe(
      'Only an approver can do that.',
    );
    expect(await t.tap(APPROVER, card, dataOf(card, 'Approve once'))).toBe('Allowed Bash once.');
    expect(answer(await pending)).toEqual({
      behavior: 'allow',
      updatedInput: { command: 'echo allow-me', description: 'says hi' },
    });
    expect(await t.tap(OWNER, card, dataOf(card, 'Deny'))).toBe('Already allowed by lead.');
    const decided = await until('the card to show the decision', () => {
      const now = t.emu.messages(APPROVER).find((m) => m.messageId === card.messageId);
      return now?.text.includes('Approved once by lead') && now;
    });
    expect(labelsOf(decided)).toEqual([]);
    await client.close();

    agent.release();
    expect((await t.api.settled(agent.id)).status).toBe('succeeded');
    await until('the MCP config to be removed', () => !existsSync(agent.path));
    // The claim is over: its token no longer opens anything.
    await expect(connect(agent.server.url, agent.server.headers.Authorization)).rejects.toThrow();
  });

  it('Deny returns deny with who denied it', async () => {
    const agent = await startAgent('perm-deny');
    const client = await connect(agent.server.url, agent.server.headers.Authorization);
    const pending = ask(client, { command: 'rm -rf deny-me' });
    const card = await cardFor(APPROVER, 'rm -rf deny-me');
    expect(await t.tap(OWNER, card, dataOf(card, 'Deny'))).toBe('Denied Bash.');
    expect(answer(await pending)).toEqual({
      behavior: 'deny',
      message: 'The operator (ops) denied Bash.',
    });
    await until('the card to say denied', () =>
      t.emu
        .messages(APPROVER)
        .find((m) => m.messageId === card.messageId && m.text.includes('Denied by ops')),
    );
    await client.close();
    agent.release();
    expect((await t.api.settled(agent.id)).status).toBe('succeeded');
  });

  it('no answer in time is a deny, and the card says it was denied by timeout', async () => {
    const agent = await startAgent('perm-timeout');
    const client = await connect(agent.server.url, agent.server.headers.Authorization);
    const started = Date.now();
    const pending = ask(client, { command: 'echo nobody-answers' });
    const card = await cardFor(APPROVER, 'echo nobody-answers');
    const result = answer(await pending);
    expect(Date.now() - started).toBeGreaterThanOrEqual((TIMEOUT_S - 1) * 1_000);
    expect(result).toEqual({
      behavior: 'deny',
      message: `Nobody answered the permission request for Bash within ${TIMEOUT_S} s, so it is denied.`,
    });
    const expired = await until('the card to say timeout', () => {
      const now = t.emu.messages(APPROVER).find((m) => m.messageId === card.messageId);
      return now?.text.includes('Denied by timeout') && now;
    });
    expect(labelsOf(expired)).toEqual([]);
    expect(await t.tap(APPROVER, card, dataOf(card, 'Approve once'))).toBe(
      'That request expired: nobody answered in time, so it was denied.',
    );
    await client.close();
    agent.release();
    expect((await t.api.settled(agent.id)).status).toBe('succeeded');
  }, 30_000);

  it('the per-task token opens only approve_tool_use; a forged token is refused; others cannot ask', async () => {
    const agent = await startAgent('perm-scope');
    const client = await connect(agent.server.url, agent.server.headers.Authorization);
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toEqual(['approve_tool_use']);
    const other = await client.callTool({ name: 'tasks', arguments: { action: 'list' } }).then(
      (r) => (r as CallToolResult).isError === true,
      () => true,
    );
    expect(other).toBe(true);
    const oversized = await client
      .callTool({
        name: 'approve_tool_use',
        arguments: { tool_name: 'Write', input: { content: 'x'.repeat(25_000) } },
      })
      .then(
        (r) => (r as CallToolResult).isError === true,
        () => true,
      );
    expect(oversized).toBe(true);
    await client.close();

    const token = agent.server.headers.Authorization.replace(/^Bearer /, '');
    const [, hex, fencing, mac] = token.split('.');
    const forged = `sba.${hex}.${Number(fencing) + 1}.${mac}`;
    await expect(connect(agent.server.url, `Bearer ${forged}`)).rejects.toThrow();
    const flipped = `sba.${hex}.${fencing}.${mac!.slice(0, -1)}${mac!.endsWith('A') ? 'B' : 'A'}`;
    await expect(connect(agent.server.url, `Bearer ${flipped}`)).rejects.toThrow();

    // The admin (an owner) does not get the tool: only the agent of a running task asks.
    const admin = await connect(agent.server.url, 'Bearer telegram-suite-admin-token-0123');
    expect((await admin.listTools()).tools.map((x) => x.name)).not.toContain('approve_tool_use');
    await admin.close();
    agent.release();
    expect((await t.api.settled(agent.id)).status).toBe('succeeded');
  });
});
