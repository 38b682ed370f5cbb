import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshHost } from '../../src/runner/ssh/ssh-transport.js';
import type { Transport } from '../../src/runner/transport.js';
import { INJECTIONS } from '../helpers/injections.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';

const hostFor = (sshd: Sshd, over: Partial<SshHost> = {}): SshHost => ({
  name: 'test-host',
  address: sshd.host,
  port: sshd.port,
  user: sshd.user,
  privateKey: sshd.clientPrivateKey,
  hostKey: { kind: 'pinned', fingerprint: sshd.hostKeySha256 },
  maxSessions: 10,
  ...over,
});

/** Live (non-zombie) processes of a process group on the host, as the test user sees them. */
async function liveInGroup(sshd: Sshd, pgid: number): Promise<string[]> {
  const { stdout } = await sshd.run('ps -A -o pgid= -o stat= -o args=');
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      const [g, stat] = l.split(/\s+/);
      return Number(g) === pgid && !stat?.startsWith('Z');
    });
}

describe('ssh transport against a real sshd', () => {
  let sshd: Sshd;
  let t: Transport;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 10 });
    t = createSshTransport(hostFor(sshd), { killGraceMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
  });

  it('round-trips stdin, stdout, stderr and the exit code; the pgid report is not output', async () => {
    const r = await t.exec({
      argv: ['sh', '-c', 'cat; echo oops >&2; exit 7'],
      stdin: 'ping\n',
      timeoutMs: 10_000,
    });
    expect(r).toMatchObject({ exit: { kind: 'exited', code: 7 }, failure: null });
    expect(r.stdout.text).toBe('ping\n');
    expect(r.stderr.text).toBe('oops\n');
    expect(r.pgid).toBeGreaterThan(1);
  });

  it('reports a command killed by a signal as signaled', async () => {
    const r = await t.exec({ argv: ['sh', '-c', 'kill -KILL $$'], timeoutMs: 10_000 });
    expect(r.exit).toEqual({ kind: 'signaled', signal: 'SIGKILL' });
  });

  it('delivers hostile arguments to the remote program verbatim', async () => {
    const r = await t.exec({ argv: ['printf', '%s\\0', ...INJECTIONS], timeoutMs: 10_000 });
    expect(r.stdout.text.split('\0').slice(0, -1)).toEqual(INJECTIONS);
  });

  it('runs in the working directory with only allow-listed variables', async () => {
    const r = await t.exec({
      argv: ['sh', '-c', 'pwd; echo "$TASK:$SSH_CONNECTION"'],
      cwd: '/tmp',
      env: { TASK: 't-1' },
      timeoutMs: 10_000,
    });
    expect(r.stdout.text).toBe('/tmp\nt-1:\n');
  });

  it('kills the whole remote tree on timeout: nothing of it remains on the host', async () => {
    const r = await t.exec({ argv: ['sh', '-c', 'sleep 600 & sleep 600 & wait'], timeoutMs: 500 });
    expect(r.failure).toBe('timeout');
    expect(r.pgid).not.toBeNull();
    expect(await liveInGroup(sshd, r.pgid ?? 0)).toEqual([]);
  });

  it('cancels mid-run the same way', async () => {
    const controller = new AbortController();
    const r = await t.exec({
      argv: ['sh', '-c', "trap '' TERM; echo up; sleep 600"],
      timeoutMs: 60_000,
      signal: controller.signal,
      onOutput: (_s, chunk) => chunk.includes('up') && controller.abort(),
    });
    expect(r.failure).toBe('cancelled');
    expect(await liveInGroup(sshd, r.pgid ?? 0)).toEqual([]);
  });

  it('caps large output without blocking', async () => {
    const r = await createSshTransport(hostFor(sshd), { captureBytes: 64 * 1024 }).exec({
      argv: ['sh', '-c', 'yes 0123456789abcdef | head -c 67108864'],
      timeoutMs: 60_000,
    });
    expect(r.exit).toEqual({ kind: 'exited', code: 0 });
    expect(r.stdout.totalBytes).toBe(64 * 1024 * 1024);
    expect(r.stdout.truncated).toBe(true);
    expect(r.stdout.text.length).toBeLessThan(70 * 1024);
  }, 60_000);

  it('runs 10,000 sequential commands on one pooled connection without leaking channels or fds', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    await t.exec({ argv: ['true'], timeoutMs: 10_000 });
    const fdsBefore = fds();
    const sessionsBefore = sshd.pids().length;
    const failures: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const r = await t.exec({ argv: ['true'], timeoutMs: 30_000 });
      if (r.exit.kind !== 'exited' || r.exit.code !== 0 || r.failure) {
        failures.push(`${i}: ${JSON.stringify(r.exit)} ${r.failure} ${r.stderr.text}`);
      }
    }
    expect(failures).toEqual([]);
    expect(fds()).toBeLessThanOrEqual(fdsBefore + 2);
    expect(sshd.pids().length).toBeLessThanOrEqual(sessionsBefore);
  }, 240_000);
});

describe('ssh transport refusals and failures', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 2 });
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
  });

  it('runs 10 concurrent tasks on a server with MaxSessions 2: all complete', async () => {
    const t = createSshTransport(hostFor(sshd, { maxSessions: 2 }));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.exec({ argv: ['sh', '-c', `sleep 0.2; echo ${i}`], timeoutMs: 30_000 }),
      ),
    );
    expect(results.map((r) => r.stdout.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `${i}\n`),
    );
    expect(results.every((r) => r.failure === null)).toBe(true);
    await t.close();
  }, 60_000);

  it('refuses a host key that does not match the pinned one', async () => {
    const t = createSshTransport(
      hostFor(sshd, {
        hostKey: {
          kind: 'pinned',
          fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        },
      }),
    );
    const r = await t.exec({ argv: ['true'], timeoutMs: 10_000 });
    expect(r).toMatchObject({ failure: 'host_key_mismatch', exit: { kind: 'missing' } });
  });

  it('refuses every key when none is pinned: no trust on first use', async () => {
    const r = await createSshTransport(hostFor(sshd, { hostKey: { kind: 'none' } })).exec({
      argv: ['true'],
      timeoutMs: 10_000,
    });
    expect(r.failure).toBe('host_key_mismatch');
  });

  it('classifies a wrong client key as auth_failure', async () => {
    const other = await startSshd({ maxSessions: 2 });
    try {
      const r = await createSshTransport(
        hostFor(sshd, { privateKey: other.clientPrivateKey }),
      ).exec({ argv: ['true'], timeoutMs: 10_000 });
      expect(r.failure).toBe('auth_failure');
    } finally {
      await other.stop();
    }
  }, 60_000);

  it('classifies sshd dying mid-task as a lost connection, then reconnects', async () => {
    const t = createSshTransport(hostFor(sshd, { maxSessions: 2 }));
    const pending = t.exec({ argv: ['sh', '-c', 'echo started; sleep 30'], timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    await sshd.restart();
    const r = await pending;
    expect(r).toMatchObject({ failure: 'connection_lost', exit: { kind: 'missing' } });
    const after = await t.exec({ argv: ['echo', 'back'], timeoutMs: 20_000 });
    expect(after).toMatchObject({ failure: null, exit: { kind: 'exited', code: 0 } });
    expect(after.stdout.text).toBe('back\n');
    await t.close();
  }, 60_000);

  it('classifies a closed port as host_unreachable', async () => {
    const r = await createSshTransport(hostFor(sshd, { port: 1 })).exec({
      argv: ['true'],
      timeoutMs: 10_000,
    });
    expect(r.failure).toBe('host_unreachable');
  });
});
