/**
 * The runner service's memory: a fresh `switchboard runner` process (the real bin, as systemd
 * would start it) streams the bench's output through its SSH connection while this process
 * plays the gateway. Its RSS is read from /proc, where VmHWM also catches spikes between
 * samples; nothing runs in it before the first stream, so the first run is the worst case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { SILENT_LOGGER } from '../src/core/ports/logger.js';
import { isTerminal, type TaskStatus } from '../src/core/task.js';
import { loadConfig } from '../src/entry/config/load-config.js';
import { startSwitchboard } from '../src/entry/node.js';
import { createRunnerToken } from '../src/entry/tokens.js';
import type { Sshd } from '../test/helpers/sshd.js';
import { procMemoryMiB, resetHwm } from './proc-memory.js';

const BIN = fileURLToPath(new URL('../bin/switchboard.js', import.meta.url));
const TOKEN = 'bench-service-admin-token-0123456789';
const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/**
 * What the memory runs stream: lines, like a build log, so whatever a runner does per line
 * (finding the last one for the summary, say) is paid for at full scale. `yes` ends on
 * SIGPIPE when `head` has had its bytes, and the pipeline's status is head's.
 */
export const STREAM_LINE = 'switchboard bench: one line of a long build log';
export const streamCommand = (bytes: number): string => `yes '${STREAM_LINE}' | head -c ${bytes}`;

export interface ServiceMemoryRun {
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly beforeRssMiB: number;
  readonly streamingPeakRssMiB: number;
  readonly peakRssMiB: number;
  readonly hwmMiB: number | null;
  readonly growthMiB: number;
  readonly streamingGrowthMiB: number;
}

export interface ServiceMemoryResult {
  readonly runs: readonly ServiceMemoryRun[];
  readonly worst: ServiceMemoryRun;
}

export interface ServiceMemoryOptions {
  readonly sshd: Sshd;
  readonly dir: string;
  readonly bytes: number;
  readonly runs: number;
  readonly sampleEveryMs: number;
  readonly timeoutS: number;
}

function fail(message: string): never {
  throw new Error(`runner service memory: ${message}`);
}

const procMemory = (pid: number) => procMemoryMiB(pid) ?? fail(`no VmRSS/VmHWM for pid ${pid}`);

const fileSize = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export async function runServiceMemory(o: ServiceMemoryOptions): Promise<ServiceMemoryResult> {
  const yamlPath = join(o.dir, 'service.yaml');
  const { sshd } = o;
  writeFileSync(
    yamlPath,
    [
      'hosts:',
      `  - { name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, ` +
        `key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}" }`,
      'runner: { embedded: false }',
      '',
    ].join('\n'),
  );
  const config = loadConfig({
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      SWITCHBOARD_DATA_DIR: join(o.dir, 'service-gateway'),
      SWITCHBOARD_CONFIG: yamlPath,
      SWITCHBOARD_ADMIN_TOKEN: TOKEN,
      PATH: '/usr/bin:/bin',
      HOME: o.dir,
    },
    cwd: o.dir,
    version: 'bench',
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  if (!config.ok) fail(`config: ${JSON.stringify(config.error)}`);
  const gateway = await startSwitchboard(config.value, SILENT_LOGGER);
  let service: ChildProcess | undefined;
  try {
    const { token } = await createRunnerToken(
      config.value,
      'bench-service',
      config.value.hosts.map((h) => h.name),
    );
    // Its last_seen_at starts at the registration, so any later one is the service calling in.
    const registered = Date.now();
    const runnerDir = join(o.dir, 'service-runner');
    service = spawn(process.execPath, [BIN, 'runner'], {
      cwd: o.dir,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: o.dir,
        SWITCHBOARD_GATEWAY_URL: gateway.url,
        SWITCHBOARD_RUNNER_TOKEN: token,
        SWITCHBOARD_CONFIG: yamlPath,
        SWITCHBOARD_DATA_DIR: runnerDir,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    service.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
    const pid = service.pid ?? fail('the runner service did not start');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        headers: HEADERS,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) fail(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    await waitUntilSeen(
      call,
      registered,
      () => service?.exitCode ?? null,
      () => stderr,
    );
    // Let its start-up settle (module loading, the first long poll) before the first sample.
    await sleep(1_000);
    const runs: ServiceMemoryRun[] = [];
    for (let i = 0; i < o.runs; i++) {
      const posted = await call('POST', '/api/tasks', {
        kind: 'shell',
        host: 'vm',
        argv: ['sh', '-c', streamCommand(o.bytes)],
        timeout_s: o.timeoutS,
      });
      const id = String(posted['id']);
      if (posted['status'] !== 'awaiting_approval')
        fail(`expected a gate, got ${posted['status']}`);
      const spool = join(runnerDir, 'output', `${id}.1.log`);
      const hwmReset = resetHwm(pid);
      const before = procMemory(pid).rss;
      let peak = before;
      let streamingPeak = before;
      const sample = () => {
        const { rss } = procMemory(pid);
        peak = Math.max(peak, rss);
        if (fileSize(spool) < o.bytes) streamingPeak = Math.max(streamingPeak, rss);
      };
      const timer = setInterval(sample, o.sampleEveryMs);
      const t0 = performance.now();
      let status: TaskStatus;
      try {
        await call('POST', `/api/tasks/${id}/approve`, {});
        status = await waitForTerminal(call, id, o.timeoutS * 1_000);
      } finally {
        clearInterval(timer);
      }
      sample();
      const elapsedMs = performance.now() - t0;
      const hwm = hwmReset ? procMemory(pid).hwm : null;
      if (status !== 'succeeded') fail(`stream task ended ${status}: ${stderr}`);
      const spooled = fileSize(spool);
      if (spooled !== o.bytes) fail(`spooled ${spooled} of ${o.bytes} bytes`);
      rmSync(spool, { force: true });
      runs.push({
        bytes: o.bytes,
        elapsedMs,
        beforeRssMiB: before,
        streamingPeakRssMiB: streamingPeak,
        peakRssMiB: peak,
        hwmMiB: hwm,
        growthMiB: Math.max(peak, hwm ?? 0) - before,
        streamingGrowthMiB: streamingPeak - before,
      });
    }
    const worst = runs.reduce((a, b) => (b.growthMiB > a.growthMiB ? b : a));
    return { runs, worst };
  } finally {
    if (service && service.exitCode === null) {
      const exited = new Promise((r) => service?.once('exit', r));
      service.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (service.exitCode === null) service.kill('SIGKILL');
    }
    await gateway.close();
  }
}

type Call = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/** The service has called in once its runner's last_seen_at moves past its registration. */
async function waitUntilSeen(
  call: Call,
  registered: number,
  exitCode: () => number | null,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { runners } = (await call('GET', '/api/runners')) as {
      runners: { name: string; last_seen_at: string }[];
    };
    const seen = runners.find((r) => r.name === 'bench-service');
    if (seen && Date.parse(seen.last_seen_at) > registered) return;
    if (exitCode() !== null) fail(`the runner service exited (${exitCode()}): ${stderr()}`);
    if (Date.now() > deadline) fail(`the runner service never called in: ${stderr()}`);
    await sleep(100);
  }
}

async function waitForTerminal(call: Call, id: string, timeoutMs: number): Promise<TaskStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await call('GET', `/api/tasks/${id}`))['status'] as TaskStatus;
    if (isTerminal(status)) return status;
    if (Date.now() > deadline) fail(`task ${id} still ${status} after ${timeoutMs} ms`);
    await sleep(100);
  }
}
