import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshHost } from '../../src/runner/ssh/ssh-transport.js';
import type { SurvivorReport, Transport } from '../../src/runner/transport.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { makeTempDir } from '../helpers/temp-db.js';

// Processes a run leaves on the host: found by a unique sleep duration in their argv, so the
// checks poll the host's process table instead of sleeping a fixed time.

const hostFor = (sshd: Sshd, over: Partial<SshHost> = {}): SshHost => ({
  name: 'leftovers-host',
  address: sshd.host,
  port: sshd.port,
  user: sshd.user,
  privateKey: sshd.clientPrivateKey,
  hostKey: { kind: 'pinned', fingerprint: sshd.hostKeySha256 },
  // One exec slot: a run that never frees its slot blocks the next one.
  maxSessions: 2,
  ...over,
});

/** A sleep nobody else runs: `sleep 600.<random digits>`. */
const uniqueSleep = () => `600.${Array.from(randomBytes(6), (b) => b % 10).join('')}`;

/** Processes whose whole command line is `sleep <tag>` (not the shells that started them). */
const countCommand = (tag: string) => `pgrep -fxc 'sleep ${tag.replace('.', '\\.')}' || true`;

async function countOnHost(sshd: Sshd, tag: string): Promise<number> {
  const { stdout } = await sshd.run(countCommand(tag));
  return Number(stdout.trim());
}

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every sshd process of this instance (listener and per-connection), not the user's commands. */
function sshdProcesses(sshd: Sshd): number[] {
  return sshd.pids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd';
    } catch {
      return false;
    }
  });
}

describe('a timeout or cancel always ends the task and frees the host', () => {
  let sshd: Sshd;
  let t: Transport;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 2 });
    t = createSshTransport(hostFor(sshd), { killGraceMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
  });

  const escapes: [string, (tag: string) => string][] = [
    ['a setsid child', (tag) => `setsid sleep ${tag} & sleep ${tag}`],
    ['a double fork', (tag) => `(setsid sh -c "sleep ${tag}" &) ; sleep ${tag}`],
    ['nohup', (tag) => `nohup sleep ${tag} >/dev/null 2>&1 & sleep ${tag}`],
    ['a pty (script)', (tag) => `script -qc "sleep ${tag}" /dev/null & sleep ${tag}`],
  ];
  for (const [name, script] of escapes) {
    it(`times out on time with ${name}, leaves nothing, and the next task starts at once`, async () => {
      const tag = uniqueSleep();
      const started = Date.now();
      const r = await t.exec({ argv: ['sh', '-c', script(tag)], timeoutMs: 1_000 });
      expect(r.failure).toBe('timeout');
      // The 1 s timeout, the kill's TERM grace (500 ms) and a few round trips.
      expect(Date.now() - started).toBeLessThan(4_000);
      await waitUntil(
        `no sleep ${tag} on the host`,
        async () => (await countOnHost(sshd, tag)) === 0,
      );
      const nextStarted = Date.now();
      const next = await t.exec({ argv: ['echo', 'next'], timeoutMs: 5_000 });
      expect(next).toMatchObject({ failure: null, exit: { kind: 'exited', code: 0 } });
      expect(Date.now() - nextStarted).toBeLessThan(1_500);
    }, 20_000);
  }

  it('cancels a run whose setsid child holds the channel open', async () => {
    const tag = uniqueSleep();
    const controller = new AbortController();
    const r = await t.exec({
      argv: ['sh', '-c', `setsid sleep ${tag} & echo up; sleep ${tag}`],
      timeoutMs: 60_000,
      signal: controller.signal,
      onOutput: (_s, chunk) => chunk.includes('up') && controller.abort(),
    });
    expect(r.failure).toBe('cancelled');
    await waitUntil(
      `no sleep ${tag} on the host`,
      async () => (await countOnHost(sshd, tag)) === 0,
    );
  }, 20_000);

  it('applies the timeout and a cancel while the task waits for a free session', async () => {
    const tag = uniqueSleep();
    const hold = new AbortController();
    const holding = t.exec({
      argv: ['sh', '-c', `echo up; sleep ${tag}`],
      timeoutMs: 60_000,
      signal: hold.signal,
    });
    await waitUntil('the first run to start', async () => (await countOnHost(sshd, tag)) === 1);
    const started = Date.now();
    const queued = await t.exec({ argv: ['echo', 'late'], timeoutMs: 500 });
    expect(queued).toMatchObject({ failure: 'timeout', exit: { kind: 'missing' } });
    expect(Date.now() - started).toBeLessThan(1_500);
    const cancel = new AbortController();
    const waiting = t.exec({ argv: ['echo', 'late'], timeoutMs: 60_000, signal: cancel.signal });
    cancel.abort();
    expect(await waiting).toMatchObject({ failure: 'cancelled', exit: { kind: 'missing' } });
    hold.abort();
    expect((await holding).failure).toBe('cancelled');
    // The stopped waiters never took the slot: the next run starts.
    const next = await t.exec({ argv: ['echo', 'next'], timeoutMs: 5_000 });
    expect(next.stdout.text).toBe('next\n');
  }, 20_000);
});

describe('lost connections leave no survivors', () => {
  let sshd: Sshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 4 });
    dir = makeTempDir();
  }, 60_000);
  afterAll(async () => {
    for (const pid of sshdProcesses(sshd)) process.kill(pid, 'SIGCONT');
    await sshd?.stop();
  });

  it('kills what ran when sshd froze, before the host runs anything new, and reports it', async () => {
    const reports: SurvivorReport[] = [];
    const t = createSshTransport(hostFor(sshd, { maxSessions: 4 }), {
      killGraceMs: 500,
      keepaliveMs: 200,
      onSurvivors: (r) => reports.push(r),
    });
    const tag = uniqueSleep();
    const pending = t.exec({
      argv: ['sh', '-c', `setsid sleep ${tag} & sleep ${tag}`],
      timeoutMs: 60_000,
      owner: 'task-frozen',
    });
    await waitUntil('the run to start', async () => (await countOnHost(sshd, tag)) === 2);
    const frozen = sshdProcesses(sshd);
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    const r = await pending;
    expect(r).toMatchObject({ failure: 'connection_lost', exit: { kind: 'missing' } });
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    // The frozen session ended without killing the command: these are the survivors.
    expect(await countOnHost(sshd, tag)).toBe(2);
    // The new command looks for them itself: they must be gone before it starts.
    const next = await t.exec({
      argv: ['sh', '-c', countCommand(tag)],
      timeoutMs: 20_000,
    });
    expect(next.stdout.text).toBe('0\n');
    expect(reports).toEqual([
      {
        host: 'leftovers-host',
        owner: 'task-frozen',
        pgid: r.pgid,
        reason: 'connection_lost',
        found: 3, // the sh and its two sleeps
        gone: true,
      },
    ]);
    await t.close();
  }, 40_000);

  it('remembers running work across a runner restart and kills it at the next start', async () => {
    const ledgerFile = join(dir, 'hosts', 'leftovers-host.json');
    const first = createSshTransport(hostFor(sshd, { maxSessions: 4 }), { ledgerFile });
    const tag = uniqueSleep();
    const pending = first.exec({
      argv: ['sh', '-c', `setsid sleep ${tag} & sleep ${tag}`],
      timeoutMs: 60_000,
      owner: 'task-orphaned',
    });
    await waitUntil('the run to start', async () => (await countOnHost(sshd, tag)) === 2);
    // The first runner "dies" here: it never learns how its run ended.
    const reports: SurvivorReport[] = [];
    const second = createSshTransport(hostFor(sshd, { maxSessions: 4 }), {
      ledgerFile,
      killGraceMs: 500,
      onSurvivors: (r) => reports.push(r),
    });
    const next = await second.exec({ argv: ['echo', 'fresh'], timeoutMs: 20_000 });
    expect(next.stdout.text).toBe('fresh\n');
    expect(await countOnHost(sshd, tag)).toBe(0);
    expect(reports).toMatchObject([
      { owner: 'task-orphaned', reason: 'runner_restarted', found: 3, gone: true },
    ]);
    await pending;
    await first.close();
    await second.close();
    expect(readdirSync(join(dir, 'hosts'))).toEqual(['leftovers-host.json']);
  }, 40_000);
});
