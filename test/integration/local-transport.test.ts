import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { STORED_OUTPUT_BYTES } from '../../src/core/stage.js';
import { createLocalTransport } from '../../src/runner/local-transport.js';
import { DEFAULT_CAPTURE_BYTES } from '../../src/runner/output-capture.js';
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

  it('caps 1 GiB on stdout and stderr together without blocking or holding it in memory', async () => {
    // 512 MiB on each stream at once, each framed by markers: a side nobody drains fills its
    // pipe and blocks the writer until the timeout; a capture without a cap holds the GiB.
    const half = 512 * 1024 * 1024;
    const framed = (name: string, fd: string) =>
      `{ printf '${name}-START\\n'; head -c ${half} /dev/zero; printf '\\n${name}-END\\n'; } ${fd}`;
    const rss = () => process.memoryUsage.rss();
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 5);
    const streamed = { stdout: 0, stderr: 0 };
    const started = Date.now();
    const r = await createLocalTransport({ baseEnv }).exec({
      argv: ['sh', '-c', `${framed('ERR', '>&2')} & ${framed('OUT', '')}; wait`],
      timeoutMs: 30_000,
      onOutput: (stream, chunk) => (streamed[stream] += chunk.length),
    });
    clearInterval(sampler);
    peak = Math.max(peak, rss());
    expect(r.failure).toBeNull();
    expect(r.exit).toEqual({ kind: 'exited', code: 0 });
    expect(Date.now() - started).toBeLessThan(30_000);
    for (const [name, out] of [
      ['OUT', r.stdout],
      ['ERR', r.stderr],
    ] as const) {
      const total = half + `${name}-START\n`.length + `\n${name}-END\n`.length;
      expect(out.totalBytes).toBe(total);
      expect(out.truncated).toBe(true);
      // Each stream keeps its head and tail within its half of the stored-output cap.
      expect(Buffer.byteLength(out.text)).toBeLessThanOrEqual(DEFAULT_CAPTURE_BYTES + 100);
      expect(out.text.startsWith(`${name}-START\n\0`)).toBe(true);
      expect(out.text.endsWith(`\0\n${name}-END\n`)).toBe(true);
      expect(out.text).toContain(`... ${total - DEFAULT_CAPTURE_BYTES} bytes omitted ...`);
    }
    expect(Buffer.byteLength(r.stdout.text + r.stderr.text)).toBeLessThanOrEqual(
      STORED_OUTPUT_BYTES + 200,
    );
    // Every byte still streamed past (the spool and live tail see it all)…
    expect(streamed).toEqual({ stdout: r.stdout.totalBytes, stderr: r.stderr.totalBytes });
    // …but memory grew by about the two kept copies (10 MiB), nowhere near the GiB.
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
  }, 40_000);
});
