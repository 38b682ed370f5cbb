import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { adminClient, startInProcess } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'e2e-admin-token-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

// A stand-in for the claude CLI: reads the prompt on stdin and prints claude's real result shape.
const FAKE_CLAUDE = `#!/bin/sh
prompt=$(cat)
printf '{"type":"result","subtype":"success","is_error":false,"result":"did: %s in %s","session_id":"7fc06135-799f-49d2-b1c0-df3cc5a539a9","total_cost_usd":0.0123,"usage":{"input_tokens":10,"output_tokens":5}}\\n' "$prompt" "$(pwd)"
`;

interface StageJson {
  outcome: string;
  exit_code: number | null;
  error_class: string | null;
  stdout_tail: string | null;
  output_path: string | null;
  summary: string | null;
  session_id: string | null;
  cost_usd: number;
}
interface TaskJson {
  id: string;
  status: string;
  cost_usd: number;
  stages: StageJson[];
}

describe('tasks run end to end: HTTP → queue → runner → local and SSH hosts → result', () => {
  let sshd: Sshd;
  let app: RunningSwitchboard;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 10 });
    dir = makeTempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), FAKE_CLAUDE);
    chmodSync(join(bin, 'claude'), 0o755);
    const demo = join(dir, 'demo');
    mkdirSync(demo);
    writeFileSync(join(demo, 'README.md'), '# demo\n');
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: demo,
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
    app = await startInProcess({
      dir,
      yaml: [
        'hosts:',
        `  - { name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}", max_sessions: 10 }`,
        'repos:',
        `  - { name: demo, host: local, path: ${join(dir, 'demo')} }`,
        'executors:',
        '  - { name: claude-sonnet, cli: claude, model: sonnet }',
        'lease_s: 5',
      ].join('\n'),
      adminToken: TOKEN,
      path: `${bin}:/usr/bin:/bin`,
      version: 'e2e',
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sshd?.stop();
  });

  const api = adminClient(() => app.url, TOKEN);
  const post = (path: string, body: unknown) => api.post<TaskJson>(path, body);
  const get = (id: string) => api.get<TaskJson>(id);
  const settled = (id: string, timeoutMs?: number) => api.settled<TaskJson>(id, timeoutMs);

  it('runs a low-risk command on the local host at once and stores its output', async () => {
    const { status, body } = await post('/api/tasks', {
      kind: 'shell',
      host: 'local',
      argv: ['uname', '-s'],
    });
    expect(status).toBe(201);
    const done = await settled(body.id);
    expect(done.status).toBe('succeeded');
    expect(done.stages[0]).toMatchObject({
      outcome: 'succeeded',
      exit_code: 0,
      stdout_tail: 'Linux\n',
    });
    const output = await fetch(`${app.url}/api/tasks/${body.id}/output?stream=stdout`, { headers });
    expect(await output.text()).toBe('Linux\n');
  });

  it('runs an approved command over SSH on a registered host', async () => {
    const { body } = await post('/api/tasks', {
      kind: 'shell',
      host: 'vm',
      argv: ['sh', '-c', 'echo $((6*7)); id -un'],
    });
    expect(body.status).toBe('awaiting_approval');
    expect((await post(`/api/tasks/${body.id}/approve`, {})).status).toBe(200);
    const done = await settled(body.id);
    expect(done.status).toBe('succeeded');
    expect(done.stages[0]?.stdout_tail).toBe(`42\n${sshd.user}\n`);
  });

  it('stores output over the cap as head and tail, and spools every byte to the data dir', async () => {
    // 12 MiB on stdout: over the 5 MiB each stream keeps, so the middle is dropped.
    const bytes = 12 * 1024 * 1024;
    const { body } = await post('/api/tasks', {
      kind: 'shell',
      host: 'vm',
      argv: [
        'sh',
        '-c',
        `printf START; head -c ${bytes - 8} /dev/zero | tr '\\0' a; printf END; echo oops >&2`,
      ],
    });
    await post(`/api/tasks/${body.id}/approve`, {});
    const done = await settled(body.id, 60_000);
    expect(done.status).toBe('succeeded');
    const stage = done.stages[0];
    const res = await fetch(`${app.url}/api/tasks/${body.id}/output`, { headers });
    expect(res.status).toBe(200);
    const output = (await res.json()) as {
      stdout: string;
      stderr: string;
      stdout_bytes: number;
      truncated: boolean;
    };
    expect(output.stdout_bytes).toBe(bytes);
    expect(output.truncated).toBe(true);
    expect(output.stderr).toBe('oops\n');
    expect(output.stdout.startsWith('STARTaaa')).toBe(true);
    expect(output.stdout.endsWith('aaaEND')).toBe(true);
    expect(output.stdout).toMatch(/\n\.\.\. \d+ bytes omitted \.\.\.\n/);
    expect(Buffer.byteLength(output.stdout)).toBeLessThanOrEqual(5 * 1024 * 1024 + 100);
    expect(stage?.stdout_tail?.endsWith('aaaEND')).toBe(true);
    const spool = stage?.output_path ?? '';
    expect(spool.startsWith(join(dir, 'data'))).toBe(true);
    expect(statSync(spool).size).toBe(bytes + '! oops\n'.length);
  }, 90_000);

  it('spools the bytes as printed, and marks a stderr line that arrives in pieces once', async () => {
    // Not UTF-8 (0xff 0xfe), then é as two octal escapes; the stderr line comes in two writes.
    const script = `printf '\\377\\376 caf\\303\\251\\n'; sleep 0.2; printf half >&2; sleep 0.2; printf ' line\\n' >&2`;
    const { body } = await post('/api/tasks', {
      kind: 'shell',
      host: 'vm',
      argv: ['sh', '-c', script],
    });
    await post(`/api/tasks/${body.id}/approve`, {});
    const done = await settled(body.id);
    expect(done.status).toBe('succeeded');
    const spool = readFileSync(done.stages[0]?.output_path ?? '');
    expect(spool).toEqual(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(' café\n! half line\n')]),
    );
  });

  it('runs an agent prompt through its CLI profile: prompt on stdin, result, cost and session', async () => {
    const { body } = await post('/api/tasks', {
      kind: 'agent',
      executor: 'claude-sonnet',
      prompt: 'fix the flaky test',
    });
    const done = await settled(body.id);
    expect(done.status).toBe('succeeded');
    expect(done.stages[0]).toMatchObject({
      summary: `did: fix the flaky test in ${dir}`,
      session_id: '7fc06135-799f-49d2-b1c0-df3cc5a539a9',
      cost_usd: 0.0123,
    });
    expect(done.cost_usd).toBe(0.0123);
  });

  it('runs an agent task on a repo in its own worktree, removed again once it succeeded clean', async () => {
    const { body } = await post('/api/tasks', {
      kind: 'agent',
      executor: 'claude-sonnet',
      prompt: 'tidy up',
      repo: 'demo',
    });
    const done = await settled(body.id);
    expect(done.status).toBe('succeeded');
    const worktree = join(dir, 'demo', '.switchboard', 'worktrees', body.id);
    expect(done.stages[0]?.summary).toBe(`did: tidy up in ${worktree}`);
    for (let i = 0; i < 50 && existsSync(worktree); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(worktree)).toBe(false);
  });

  it('times a command out over SSH and leaves nothing of it on the host', async () => {
    const marker = `sb-timeout-${Date.now()}`;
    const { body } = await post('/api/tasks', {
      kind: 'shell',
      host: 'vm',
      argv: ['sh', '-c', `sleep 600; : ${marker}`],
      timeout_s: 1,
    });
    await post(`/api/tasks/${body.id}/approve`, {});
    const done = await settled(body.id);
    expect(done.status).toBe('timed_out');
    expect(done.stages[0]?.error_class).toBe('timeout');
    const ps = await sshd.run(
      `ps -A -o stat= -o args= | grep -v grep | grep ${marker} | grep -v '^Z' || true`,
    );
    expect(ps.stdout.trim()).toBe('');
  });

  it('cancels a running command: the task is cancelled and its process killed', async () => {
    const marker = `sb-cancel-${Date.now()}`;
    const { body } = await post('/api/tasks', {
      kind: 'shell',
      host: 'vm',
      argv: ['sh', '-c', `sleep 600; : ${marker}`],
    });
    await post(`/api/tasks/${body.id}/approve`, {});
    for (let i = 0; i < 100 && (await get(body.id)).status !== 'running'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await post(`/api/tasks/${body.id}/cancel`, {})).status).toBe(200);
    expect((await get(body.id)).status).toBe('cancelled');
    const gone = async () =>
      (
        await sshd.run(
          `ps -A -o stat= -o args= | grep -v grep | grep ${marker} | grep -v '^Z' || true`,
        )
      ).stdout.trim() === '';
    let killed = false;
    for (let i = 0; i < 100 && !(killed = await gone()); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(killed).toBe(true);
  });

  it('reports a CLI missing on the host as a classified failure, never a hang', async () => {
    const { body } = await post('/api/tasks', {
      kind: 'agent',
      executor: 'claude-sonnet',
      prompt: 'x',
      host: 'vm',
    });
    const done = await settled(body.id);
    // The test host has no claude CLI: the profile reads exit 127 as a failure with the reason.
    expect(done.status).toBe('failed');
    expect(done.stages[0]?.exit_code).toBe(127);
  });
});
