import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient, startInProcess } from '../helpers/in-process.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'survivors-admin-token-0123456789';

interface TaskJson {
  id: string;
  status: string;
  stages: { error_class: string | null }[];
  audit: { actor: string; channel: string; action: string; detail: Record<string, unknown> }[];
}

const uniqueSleep = () => `600.${Array.from(randomBytes(6), (b) => b % 10).join('')}`;

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the runner kills what a lost connection left behind, and audits it', () => {
  let sshd: Sshd;
  let app: RunningSwitchboard;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 4 });
    const dir = makeTempDir();
    app = await startInProcess({
      dir,
      yaml: [
        'hosts:',
        `  - { name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}", max_sessions: 4 }`,
        'lease_s: 5',
      ].join('\n'),
      adminToken: TOKEN,
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sshd?.stop();
  });

  const api = adminClient(() => app.url, TOKEN);
  const count = async (tag: string) =>
    Number((await sshd.run(`pgrep -fxc 'sleep ${tag.replace('.', '\\.')}' || true`)).stdout);
  const runOnVm = async (argv: string[], more: Record<string, unknown> = {}) => {
    const { body } = await api.post('/api/tasks', { kind: 'shell', host: 'vm', argv, ...more });
    expect((await api.post(`/api/tasks/${body.id}/approve`, {})).status).toBe(200);
    return body.id;
  };

  it('times out a task whose setsid child holds the channel, kills it, and frees the host', async () => {
    const tag = uniqueSleep();
    const id = await runOnVm(['sh', '-c', `setsid sleep ${tag} & sleep ${tag}`], { timeout_s: 2 });
    const done = await api.settled<TaskJson>(id, 15_000);
    expect(done.status).toBe('timed_out');
    await waitUntil('nothing of it on the host', async () => (await count(tag)) === 0, 5_000);
    const started = Date.now();
    const next = await runOnVm(['echo', 'next']);
    expect((await api.settled(next)).status).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it('cuts the socket mid-task; the next task on the host starts only after the survivors are killed', async () => {
    const tag = uniqueSleep();
    const first = await runOnVm(['sh', '-c', `setsid sleep ${tag} & sleep ${tag}`]);
    await waitUntil('the first task to start', async () => (await count(tag)) === 2);
    // The socket is cut: the per-connection sshd processes die at once (SIGKILL: no cleanup of
    // the session's commands, as when a host's network goes away), the listener stays.
    const listener = sshd.pid;
    for (const pid of sshd.pids()) {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (pid !== listener && comm === 'sshd') process.kill(pid, 'SIGKILL');
    }
    const lost = await api.settled<TaskJson>(first);
    expect(lost.stages[0]?.error_class).toBe('network_failure');
    expect(await count(tag)).toBe(2);

    const second = await runOnVm([
      'sh',
      '-c',
      `pgrep -fxc 'sleep ${tag.replace('.', '\\.')}' || true`,
    ]);
    const done = await api.settled<{ status: string; stages: { stdout_tail: string }[] }>(second);
    expect(done.status).toBe('succeeded');
    // It looked for the survivors itself: none were left when it ran.
    expect(done.stages[0]?.stdout_tail).toBe('0\n');
    const audited = (await api.get<TaskJson>(first)).audit.filter(
      (a) => a.action === 'task.survivors_killed',
    );
    expect(audited).toEqual([
      expect.objectContaining({
        channel: 'runner',
        actor: expect.stringMatching(/^embedded@/),
        detail: expect.objectContaining({
          host: 'vm',
          reason: 'connection_lost',
          found: 3,
          gone: true,
        }),
      }),
    ]);
  }, 60_000);
});
