import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { runCli, type CliRun } from '../helpers/switchboard-process.js';
import { startTelegramEmulator, type TelegramEmulator } from '../helpers/telegram-emulator.js';
import { makeTempDir } from '../helpers/temp-db.js';
import { prepareD1, startWranglerDev, type WranglerDev } from '../helpers/wrangler.js';

const ADMIN = 'worker-admin-token-0123456789';
const SECRET = 'worker-webhook-Secret_0123';
const OWNER = 1001;
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

interface TaskJson {
  id: string;
  status: string;
  channel: string;
  lease: { fencing_token: number } | null;
  stages: { outcome: string; stdout_tail: string | null }[];
}

/**
 * The scaled deployment end to end: the gateway in workerd (`wrangler dev --local`) on a local
 * D1 database, a runner service process pulling from it over HTTP and running on a real sshd,
 * Telegram played by the Bot API emulator (which delivers to the Worker's webhook).
 */
describe('the gateway on Workers (wrangler dev, D1) with a runner service', () => {
  let sshd: Sshd;
  let emu: TelegramEmulator;
  let worker: WranglerDev;
  let runner: CliRun;
  let dir: string;
  const runnerToken = `sbr_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    dir = makeTempDir('switchboard-worker-');
    const tokenHash = createHash('sha256').update(runnerToken).digest('hex');
    const at = new Date().toISOString();
    [sshd, emu] = await Promise.all([
      startSshd({ maxSessions: 10 }),
      startTelegramEmulator(),
      // What `switchboard token create --role runner --hosts vm,elsewhere` stores: the name,
      // the hosts it serves and the token's hash.
      prepareD1(
        dir,
        `INSERT INTO runners (id, name, hosts, last_seen_at, created_at, token_hash) VALUES ('01900000-0000-7000-8000-000000000001', 'vm-runner', '["vm","elsewhere"]', '${at}', '${at}', '${tokenHash}');`,
      ),
    ]);
    const vm = {
      name: 'vm',
      address: sshd.host,
      port: sshd.port,
      user: sshd.user,
      key_file: sshd.clientKeyPath,
      host_key: sshd.hostKeySha256,
    };
    // The gateway knows the hosts by name; `elsewhere` is served by no runner (the 409 test).
    const gatewayYaml = {
      users: [{ telegram_id: OWNER, name: 'ops', role: 'owner' }],
      hosts: [
        { name: 'vm', address: sshd.host, port: sshd.port, user: sshd.user },
        { name: 'elsewhere', address: '192.0.2.1', user: 'x' },
      ],
      approvals: {
        shell_allow_list: [
          { argv: ['echo'], paths: true },
          { argv: ['uname'], args: ['-s'] },
          { argv: ['sleep'], paths: true },
        ],
      },
      lease_s: 5,
      telegram: { edit_interval_ms: 200 },
    };
    const botId = Number(emu.token.split(':')[0]);
    worker = await startWranglerDev({
      dir,
      vars: {
        SWITCHBOARD_ADMIN_TOKEN: ADMIN,
        SWITCHBOARD_CONFIG_YAML: JSON.stringify(gatewayYaml),
        TELEGRAM_BOT_TOKEN: emu.token,
        TELEGRAM_API_ROOT: emu.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        BOT_INFO: JSON.stringify({
          id: botId,
          is_bot: true,
          first_name: 'Test Bot',
          username: 'TestNameBot',
        }),
      },
    });
    writeFileSync(join(dir, 'runner.yaml'), JSON.stringify({ hosts: [vm] }));
    runner = runCli(['runner'], dir, {
      SWITCHBOARD_GATEWAY_URL: worker.url,
      SWITCHBOARD_RUNNER_TOKEN: runnerToken,
      SWITCHBOARD_CONFIG: join(dir, 'runner.yaml'),
      SWITCHBOARD_DATA_DIR: join(dir, 'runner'),
    });
    // What the operator does once after deploying (README): the webhook, with its secret.
    const set = await fetch(`${emu.apiRoot}/bot${emu.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${worker.url}/telegram/webhook`, secret_token: SECRET }),
    });
    expect(set.status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    if (runner && runner.proc.exitCode === null) {
      runner.proc.kill('SIGTERM');
      await runner.exited;
    }
    await worker?.stop();
    await emu?.stop();
    await sshd?.stop();
  });

  const get = async (id: string) =>
    (await (await fetch(`${worker.url}/api/tasks/${id}`, { headers: admin })).json()) as TaskJson;
  async function until(id: string, ok: (t: TaskJson) => boolean, timeoutMs = 20_000) {
    for (const end = Date.now() + timeoutMs; Date.now() < end;) {
      const t = await get(id);
      if (ok(t)) return t;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`task ${id} never got there: ${JSON.stringify(await get(id))}`);
  }

  it('a chat message becomes a task a runner service runs over SSH; the reply comes back', async () => {
    await emu.user({ userId: OWNER }).send('/run vm echo from-the-worker');
    const done = await emu.waitFor(
      'the completion notice',
      () =>
        emu
          .messages(OWNER)
          .find((m) => /^✅ #[0-9a-f]{8} succeeded/.test(m.text) && !m.disableNotification),
      30_000,
    );
    // The card it answers was edited to show the command's output.
    const card = emu.messages(OWNER).find((m) => m.messageId === done.replyToMessageId);
    expect(card?.text).toContain('from-the-worker');
    expect(emu.webhookStatuses().every((s) => s === 200)).toBe(true);
    // BOT_INFO is preset: a cold isolate answers its first update without asking getMe.
    expect(emu.calls('getMe')).toEqual([]);
    const list = (await (
      await fetch(`${worker.url}/api/tasks?status=succeeded`, { headers: admin })
    ).json()) as { items: { id: string; channel: string }[] };
    const task = await get(list.items.find((t) => t.channel === 'telegram')?.id ?? 'none');
    expect(task.stages[0]?.stdout_tail).toBe('from-the-worker\n');
  }, 40_000);

  it('serves MCP: tools/list and an execute call that a runner service completes', async () => {
    const client = new Client({ name: 'worker-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${ADMIN}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['execute', 'health']));
      const r = (await client.callTool({
        name: 'execute',
        arguments: { command: ['uname', '-s'], host: 'vm', wait_seconds: 20 },
      })) as CallToolResult;
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent).toMatchObject({
        status: 'succeeded',
        gate: 'none',
        result: { exit_code: 0, stdout_tail: 'Linux\n' },
      });
    } finally {
      await client.close();
    }
  }, 40_000);

  it('serves the web app from its assets, /login links included, and its API from the Worker', async () => {
    const shell = await fetch(`${worker.url}/`);
    expect(shell.status).toBe(200);
    const html = await shell.text();
    expect(html).toContain('<title>Switchboard</title>');
    const login = await fetch(`${worker.url}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toBe(html);
    const manifest = await fetch(`${worker.url}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(JSON.parse(await manifest.text())).toMatchObject({ display: 'standalone' });
    // Signing in with the admin token is the Worker's own route, with a session cookie back.
    const signIn = await fetch(`${worker.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: worker.url },
      body: JSON.stringify({ token: ADMIN }),
    });
    expect(signIn.status).toBe(201);
    expect(signIn.headers.get('set-cookie')).toMatch(/switchboard_session=.*HttpOnly/i);
  }, 20_000);

  it('refuses a stale fencing token with 409 after the cron trigger reaped the lease', async () => {
    const created = await fetch(`${worker.url}/api/tasks`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ kind: 'shell', host: 'elsewhere', argv: ['sleep', '60'] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const runnerHeaders = {
      authorization: `Bearer ${runnerToken}`,
      'content-type': 'application/json',
    };
    // This test plays a runner for `elsewhere` that claims and then goes silent.
    const claim = await fetch(`${worker.url}/runner/v1/claim`, {
      method: 'POST',
      headers: runnerHeaders,
      body: JSON.stringify({ hosts: ['elsewhere'], wait_s: 5 }),
    });
    expect(claim.status).toBe(200);
    const claimed = (await claim.json()) as {
      claim: { task: { id: string }; lease: { fencingToken: number; expiresAt: string } };
    };
    expect(claimed.claim.task.id).toBe(id);
    const token = claimed.claim.lease.fencingToken;
    // Past the lease (lease_s: 5), the cron trigger's reaper turns the task lost.
    await new Promise((r) =>
      setTimeout(r, Date.parse(claimed.claim.lease.expiresAt) - Date.now() + 300),
    );
    expect((await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).status).toBe(200);
    expect((await until(id, (t) => t.status === 'lost')).status).toBe('lost');
    const late = await fetch(`${worker.url}/runner/v1/tasks/${id}/events`, {
      method: 'POST',
      headers: runnerHeaders,
      body: JSON.stringify({ fencing_token: token, output_tail: 'late', elapsed_ms: 1 }),
    });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { error: string }).error).toBe('lease_lost');
    expect((await get(id)).status).toBe('lost');
  }, 30_000);
});
