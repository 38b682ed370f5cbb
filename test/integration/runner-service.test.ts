import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';
import type { Config } from '../../src/entry/config/config.js';
import { loadConfig } from '../../src/entry/config/load-config.js';
import { startSwitchboard, type RunningSwitchboard } from '../../src/entry/node.js';
import { createRunnerToken } from '../../src/entry/tokens.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { runCli, type CliRun } from '../helpers/switchboard-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const ADMIN = 'service-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

interface TaskJson {
  id: string;
  status: string;
  lease: { fencing_token: number } | null;
  stages: { outcome: string; stdout_tail: string | null; error_class: string | null }[];
  audit: { action: string }[];
}

describe('runner service: pulls work from the gateway over HTTP', () => {
  let sshd: Sshd;
  let app: RunningSwitchboard;
  let config: Config;
  let dir: string;
  let runnerToken: string;
  const services: CliRun[] = [];

  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 10 });
    dir = makeTempDir();
    writeFileSync(
      join(dir, 'switchboard.yaml'),
      [
        'hosts:',
        `  - { name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}" }`,
        'lease_s: 5',
        'runner: { embedded: false }',
      ].join('\n'),
    );
    const loaded = loadConfig({
      env: {
        PORT: '0',
        SWITCHBOARD_DATA_DIR: join(dir, 'gateway'),
        SWITCHBOARD_CONFIG: join(dir, 'switchboard.yaml'),
        SWITCHBOARD_ADMIN_TOKEN: ADMIN,
      },
      cwd: dir,
      version: 'svc',
      readFile: (p) => readFileSync(p, 'utf8'),
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    config = loaded.value;
    app = await startSwitchboard(config, SILENT_LOGGER);
    runnerToken = (await createRunnerToken(config, 'svc-1', ['vm'])).token;
  }, 60_000);
  afterAll(async () => {
    for (const s of services) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
    await app?.close();
    await sshd?.stop();
  });

  const startService = () => {
    const s = runCli(['runner'], dir, {
      SWITCHBOARD_GATEWAY_URL: app.url,
      SWITCHBOARD_RUNNER_TOKEN: runnerToken,
      SWITCHBOARD_CONFIG: join(dir, 'switchboard.yaml'),
      SWITCHBOARD_DATA_DIR: join(dir, `runner-${services.length}`),
    });
    services.push(s);
    return s;
  };
  const submit = async (argv: string[]) => {
    const res = await fetch(`${app.url}/api/tasks`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ kind: 'shell', host: 'vm', argv }),
    });
    const { id } = (await res.json()) as { id: string };
    await fetch(`${app.url}/api/tasks/${id}/approve`, {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    return id;
  };
  const get = async (id: string) =>
    (await (await fetch(`${app.url}/api/tasks/${id}`, { headers: admin })).json()) as TaskJson;
  async function until(
    id: string,
    ok: (t: TaskJson) => boolean,
    timeoutMs = 30_000,
  ): Promise<TaskJson> {
    for (
      const end = Date.now() + timeoutMs;
      Date.now() < end;
      await new Promise((r) => setTimeout(r, 100))
    ) {
      const t = await get(id);
      if (ok(t)) return t;
    }
    throw new Error(`task ${id} never got there: ${JSON.stringify(await get(id))}`);
  }

  it('refuses a claim without a valid runner token', async () => {
    const res = await fetch(`${app.url}/runner/v1/claim`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer not-a-real-runner-token',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('runs a task claimed over HTTP on its SSH host and reports the result', async () => {
    const service = startService();
    const id = await submit(['sh', '-c', 'echo from-the-runner-service']);
    const done = await until(id, (t) => t.status === 'succeeded' || t.status === 'failed');
    expect(done.status, service.stderr()).toBe('succeeded');
    expect(done.stages[0]?.stdout_tail).toBe('from-the-runner-service\n');
    service.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  }, 60_000);

  it('kill -9 mid-task: the task is reaped exactly once and the late report is refused', async () => {
    const service = startService();
    const id = await submit(['sh', '-c', `sleep 600; : sb-kill9-${Date.now()}`]);
    const running = await until(id, (t) => t.status === 'running');
    const token = running.lease?.fencing_token ?? 0;
    service.proc.kill('SIGKILL');
    const lost = await until(id, (t) => t.status === 'lost', 30_000);
    expect(lost.audit.filter((a) => a.action === 'task.lost')).toHaveLength(1);
    expect(lost.stages[0]?.outcome).toBe('lost');
    const late = await fetch(`${app.url}/runner/v1/tasks/${id}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        fencing_token: token,
        outcome: 'succeeded',
        result: {
          exitCode: 0,
          signal: null,
          errorClass: null,
          latencyMs: 1,
          tokensIn: 0,
          tokensOut: 0,
          costUsd: 0,
          stdoutTail: null,
          stderrTail: null,
          summary: null,
          outputPath: null,
          sessionId: null,
        },
      }),
    });
    expect(late.status).toBe(409);
    const lateProgress = await fetch(`${app.url}/runner/v1/tasks/${id}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fencing_token: token, output_tail: 'late', elapsed_ms: 1 }),
    });
    expect(lateProgress.status).toBe(409);
    expect(((await late.json()) as { error: string }).error).toBe('lease_lost');
    expect((await get(id)).status).toBe('lost');
  }, 60_000);

  it('SIGTERM stops the service: its running task is killed and reported as runner_stopped', async () => {
    const service = startService();
    const id = await submit(['sh', '-c', 'sleep 600']);
    await until(id, (t) => t.status === 'running');
    service.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const done = await until(id, (t) => t.status === 'failed');
    expect(done.stages[0]?.error_class).toBe('runner_stopped');
  }, 60_000);
});
