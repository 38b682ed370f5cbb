import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLocalTransport } from '../../src/runner/local-transport.js';
import { groupAlive } from '../../src/runner/process-group.js';
import { INJECTIONS } from '../helpers/injections.js';

const run = promisify(execFile);
const baseEnv = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: '/tmp' };
const transport = () => createLocalTransport({ baseEnv, killGraceMs: 300 });

/** Live (non-zombie) processes still in the group, as ps sees the host's process table. */
async function groupMembers(pgid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,pgid=,stat=']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, g, stat]) => Number(g) === pgid && !stat?.startsWith('Z'))
    .map(([p]) => Number(p));
}

describe('local transport', () => {
  it('round-trips output, stdin and exit codes', async () => {
    const t = transport();
    const ok = await t.exec({
      argv: ['sh', '-c', 'cat; echo err >&2; exit 3'],
      stdin: 'hello\n',
      timeoutMs: 5_000,
    });
    expect(ok.exit).toEqual({ kind: 'exited', code: 3 });
    expect(ok.failure).toBeNull();
    expect(ok.stdout.text).toBe('hello\n');
    expect(ok.stderr.text).toBe('err\n');
    const streamed: string[] = [];
    const missing = await t.exec({
      argv: ['definitely-not-a-program'],
      timeoutMs: 5_000,
      onOutput: (stream, chunk) => streamed.push(`${stream}:${chunk}`),
    });
    expect(missing.exit).toEqual({ kind: 'exited', code: 127 });
    expect(missing.stderr.text).toBe('definitely-not-a-program: command not found\n');
    expect(streamed).toEqual(['stderr:definitely-not-a-program: command not found\n']);
  });

  it('tells a signal death apart from an exit code', async () => {
    const r = await transport().exec({ argv: ['sh', '-c', 'kill -KILL $$'], timeoutMs: 5_000 });
    expect(r.exit).toEqual({ kind: 'signaled', signal: 'SIGKILL' });
  });

  it('passes hostile arguments through verbatim', async () => {
    const r = await transport().exec({
      argv: [
        'node',
        '-e',
        'process.stdout.write(JSON.stringify(process.argv.slice(1)))',
        ...INJECTIONS,
      ],
      timeoutMs: 5_000,
    });
    expect(JSON.parse(r.stdout.text)).toEqual(INJECTIONS);
  });

  it('kills the whole tree on timeout and leaves no process behind', async () => {
    const r = await transport().exec({
      argv: ['sh', '-c', 'sleep 600 & sleep 600 & wait'],
      timeoutMs: 300,
    });
    expect(r.failure).toBe('timeout');
    expect(r.exit.kind).toBe('signaled');
    expect(r.pgid).not.toBeNull();
    expect(groupAlive(r.pgid ?? 0)).toBe(false);
    expect(await groupMembers(r.pgid ?? 0)).toEqual([]);
  });

  it('kills processes that left the group and session (setsid, a pty, a double fork) on timeout', async () => {
    const tag = `600.${process.pid}${Date.now() % 100_000}`;
    const started = Date.now();
    const r = await transport().exec({
      argv: [
        'sh',
        '-c',
        `setsid sleep ${tag} & (setsid sh -c "sleep ${tag}" &) ; script -qc "sleep ${tag}" /dev/null & sleep ${tag}`,
      ],
      timeoutMs: 500,
    });
    expect(r.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(4_000);
    const { stdout } = await run('sh', [
      '-c',
      `pgrep -fxc 'sleep ${tag.replace('.', '\\.')}' || true`,
    ]);
    expect(stdout).toBe('0\n');
  });

  it('leaves nothing of a finished command behind, not even a setsid daemon', async () => {
    const tag = `600.${process.pid}${Date.now() % 100_000}1`;
    const r = await transport().exec({
      argv: ['sh', '-c', `setsid nohup sleep ${tag} >/dev/null 2>&1 & echo done`],
      timeoutMs: 5_000,
    });
    expect(r).toMatchObject({ failure: null, exit: { kind: 'exited', code: 0 } });
    const { stdout } = await run('sh', [
      '-c',
      `pgrep -fxc 'sleep ${tag.replace('.', '\\.')}' || true`,
    ]);
    expect(stdout).toBe('0\n');
  });

  it('kills a process that ignores TERM once the grace period is over', async () => {
    const r = await transport().exec({
      argv: ['sh', '-c', "trap '' TERM; sleep 600 & wait"],
      timeoutMs: 200,
    });
    expect(r.failure).toBe('timeout');
    expect(await groupMembers(r.pgid ?? 0)).toEqual([]);
  });

  it('cancels mid-run through the abort signal', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const pending = transport().exec({
      argv: ['sh', '-c', 'echo started; sleep 600'],
      timeoutMs: 60_000,
      signal: controller.signal,
      onOutput: (stream, chunk) => {
        seen.push(`${stream}:${chunk}`);
        if (chunk.includes('started')) controller.abort();
      },
    });
    const r = await pending;
    expect(seen).toContain('stdout:started\n');
    expect(r.failure).toBe('cancelled');
    expect(await groupMembers(r.pgid ?? 0)).toEqual([]);
  });

  it('caps 1 GiB of output to head and tail without holding it in memory', async () => {
    const before = process.memoryUsage().rss;
    const r = await createLocalTransport({ baseEnv, captureBytes: 64 * 1024 }).exec({
      argv: ['sh', '-c', 'yes 0123456789abcdef | head -c 1073741824'],
      timeoutMs: 120_000,
    });
    const grew = process.memoryUsage().rss - before;
    expect(r.exit).toEqual({ kind: 'exited', code: 0 });
    expect(r.stdout.totalBytes).toBe(1024 ** 3);
    expect(r.stdout.truncated).toBe(true);
    expect(r.stdout.text.length).toBeLessThan(70 * 1024);
    expect(r.stdout.text.startsWith('0123456789abcdef\n')).toBe(true);
    expect(r.stdout.text).toMatch(/bytes omitted/);
    expect(grew).toBeLessThan(256 * 1024 * 1024);
  }, 120_000);
});
