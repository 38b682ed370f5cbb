import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { readMigrations } from '../../src/entry/migrations.js';
import { makeTempDir } from '../helpers/temp-db.js';
import { runCli, startCli, type RunningCli } from '../helpers/switchboard-process.js';

const started: RunningCli[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop('SIGKILL')));
});
const start = async (cwd: string, env: Record<string, string> = {}) => {
  const s = await startCli(cwd, env);
  started.push(s);
  return s;
};

const bearer = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});

describe('switchboard start (a real process)', () => {
  it('serves /health, keeps tasks across a restart and exits 0 on SIGTERM', async () => {
    const cwd = makeTempDir();
    const first = await start(cwd);
    const health = await fetch(`${first.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok', queue_depth: 0 });

    const tokenFile = join(cwd, 'data', 'admin-token');
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(first.stdout()).toContain(token);

    const created = await fetch(`${first.url}/api/tasks`, {
      method: 'POST',
      headers: bearer(token),
      // Not on the allow-list, so it waits for approval instead of being run by the embedded runner.
      body: JSON.stringify({
        kind: 'shell',
        host: 'local',
        argv: ['touch', 'kept-across-restart'],
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await start(cwd);
    expect(second.stdout()).not.toContain(token);
    expect(second.stdout()).toContain('admin token: in data/admin-token');
    const again = await fetch(`${second.url}/api/tasks/${id}`, { headers: bearer(token) });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      id,
      status: 'awaiting_approval',
      argv: ['touch', 'kept-across-restart'],
    });
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('refuses a second instance on the same data dir with one clear line and leaves the first alone', async () => {
    const cwd = makeTempDir();
    const first = await start(cwd);
    const lock = readFileSync(join(cwd, 'data', 'switchboard.lock'), 'utf8');

    const second = runCli(['start'], cwd);
    expect(await second.exited).toBe(1);
    const lines = second.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^switchboard: another switchboard \(pid \d+\) is already using data dir /,
    );

    expect(readFileSync(join(cwd, 'data', 'switchboard.lock'), 'utf8')).toBe(lock);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });

  it('refuses to start on a port that is taken, with one clear line', async () => {
    const first = await start(makeTempDir());
    const port = new URL(first.url).port;
    const other = runCli(['start'], makeTempDir(), { PORT: port });
    expect(await other.exited).toBe(1);
    expect(other.stderr().trim()).toBe(
      `switchboard: port ${port} on 127.0.0.1 is already in use (is another switchboard running?)`,
    );
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });

  it('takes over a lock left behind by a process that no longer exists', async () => {
    const cwd = makeTempDir();
    const first = await start(cwd);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const second = await start(cwd);
    expect((await fetch(`${second.url}/health`)).status).toBe(200);
  });
});

describe('switchboard doctor, migrate and config errors', () => {
  it('reports a missing database, then all green after migrate', async () => {
    const cwd = makeTempDir();
    const before = runCli(['doctor'], cwd);
    expect(await before.exited).toBe(1);
    expect(before.stdout()).toMatch(/✓ config valid/);
    expect(before.stdout()).toMatch(/✗ database reachable: .*does not exist yet/);

    const migrate = runCli(['migrate'], cwd);
    expect(await migrate.exited).toBe(0);
    expect(migrate.stdout()).toContain(`Applied ${readMigrations().length} migration(s)`);
    const rerun = runCli(['migrate'], cwd);
    expect(await rerun.exited).toBe(0);
    expect(rerun.stdout()).toMatch(/is up to date/);

    const after = runCli(['doctor'], cwd);
    expect(await after.exited).toBe(0);
    const n = readMigrations().length;
    expect(after.stdout()).toContain(`✓ database migrated: ${n} of ${n} migrations applied`);
    expect(after.stdout()).not.toMatch(/✗/);
    // Where MCP clients connect (PORT is 0 here, so the listen address shows it).
    expect(after.stdout()).toContain('MCP endpoint: http://127.0.0.1:0/mcp');
    expect(after.stdout()).toContain('claude mcp add --transport http switchboard');
    expect(after.stdout()).toContain('set public_url');
  });

  it('migrates safely when several processes start on a fresh database at once', async () => {
    const cwd = makeTempDir();
    const runs = Array.from({ length: 4 }, () => runCli(['migrate'], cwd));
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes, runs.map((r) => r.stderr()).join('\n')).toEqual([0, 0, 0, 0]);
    const db = await openDatabase({ url: `file:${join(cwd, 'data', 'switchboard.db')}` });
    try {
      const rows = await db.client.execute('SELECT hash FROM __drizzle_migrations');
      expect(rows.rows).toHaveLength(readMigrations().length);
      const tables = await db.client.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tasks'",
      );
      expect(tables.rows).toHaveLength(1);
    } finally {
      db.close();
    }
  });

  it('names the file, the field and what was expected when the config is wrong', async () => {
    const cwd = makeTempDir();
    writeFileSync(
      join(cwd, 'switchboard.yaml'),
      'hosts:\n  - { name: vm, address: 10.0.0.5, port: "ssh", user: runner }\n',
    );
    const run = runCli(['start'], cwd, { SWITCHBOARD_CONFIG: 'switchboard.yaml' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`Invalid configuration in ${join(cwd, 'switchboard.yaml')}`);
    expect(run.stderr()).toMatch(/hosts\[0\]\.port: .*expected number/);
  });

  it('parses a message into the draft it would become, as JSON, and creates nothing', async () => {
    const dir = makeTempDir();
    writeFileSync(
      join(dir, 'switchboard.yaml'),
      'repos:\n  - { name: api, host: local, path: /srv/api, aliases: [backend] }\n',
    );
    const env = { SWITCHBOARD_CONFIG: join(dir, 'switchboard.yaml') };
    const json = runCli(
      ['parse', 'ask codex to fix the login test in backend', '--json'],
      dir,
      env,
    );
    expect(await json.exited).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({
      type: 'task',
      draft: {
        kind: 'agent',
        executor: 'codex',
        repo: 'api',
        prompt: 'fix the login test in backend',
      },
      gate: 'none',
    });
    const human = runCli(['parse', '`rm -rf build`'], dir, env);
    expect(await human.exited).toBe(0);
    expect(human.stdout()).toContain('Shell on local: rm -rf build');
    expect(human.stdout()).toContain('waits for one tap');
    const empty = runCli(['parse'], dir, env);
    expect(await empty.exited).toBe(2);
    expect(empty.stderr()).toContain('usage: switchboard parse');
    // Nothing was stored: parse never opens the database.
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('prints usage for an unknown command and exits 2', async () => {
    const run = runCli(['frobnicate'], makeTempDir());
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('unknown command "frobnicate"');
  });
});
