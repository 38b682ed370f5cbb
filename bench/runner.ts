// The runner over SSH, end to end: a real sshd on 127.0.0.1 (test/helpers/sshd.ts), switchboard
// started in-process from a generated YAML config, tasks posted over HTTP. Every figure is
// compared with a raw ssh2 baseline measured in the same run against the same sshd.
import { execFileSync, fork } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import type { Profiler, Runtime } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from 'ssh2';
import type { Logger } from '../src/core/ports/logger.js';
import { isTerminal, type TaskStatus } from '../src/core/task.js';
import { loadConfig } from '../src/entry/config/load-config.js';
import { startSwitchboard, type RunningSwitchboard } from '../src/entry/node.js';
import { toRemoteCommandLine } from '../src/runner/command-line.js';
import { createSshTransport } from '../src/runner/ssh/ssh-transport.js';
import type { Transport } from '../src/runner/transport.js';
import { startSshd, type Sshd } from '../test/helpers/sshd.js';
import { procMemoryMiB, resetHwm } from './proc-memory.js';
import {
  runServiceMemory,
  streamCommand,
  type ServiceMemoryResult,
} from './runner-service-memory.js';
import { median, percentile } from './stats.js';

export interface RunnerBenchOptions {
  /** Turns of the dispatch paths; each turn runs a block of sequential tasks per path. */
  readonly dispatchRounds: number;
  readonly dispatchBlock: number;
  /** Tasks dropped at the start of each block, while the connection settles. */
  readonly dispatchSettle: number;
  readonly throughputTasks: number;
  /** Rounds of every throughput path, taking turns; rates are the median round. */
  readonly throughputRounds: number;
  /** Tasks in the extra run under the CPU profiler. */
  readonly profileTasks: number;
  /** Parallel exec channels: sshd's MaxSessions is 10 and the transport keeps one back. */
  readonly channels: number;
  /** HTTP requests in flight while the throughput run posts its tasks. */
  readonly postConcurrency: number;
  readonly streamBytes: number;
  /** Streaming tasks, one after another; the worst growth is the result. */
  readonly memoryRuns: number;
  readonly sampleEveryMs: number;
}

export const DEFAULT_RUNNER_BENCH_OPTIONS: RunnerBenchOptions = {
  dispatchRounds: 4,
  dispatchBlock: 30,
  dispatchSettle: 5,
  throughputTasks: 500,
  throughputRounds: 3,
  profileTasks: 200,
  channels: 9,
  postConcurrency: 10,
  streamBytes: 1024 ** 3,
  memoryRuns: 2,
  sampleEveryMs: 50,
};

export const MAX_SESSIONS = 10;

export interface LatencyStats {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export type DispatchPath = 'baseline' | 'noDelay' | 'wrapped' | 'transport' | 'switchboard';

/** An exec this slow waited out a delayed ACK (40 ms); without one they take 2–10 ms here. */
export const STALL_MS = 35;

export interface DispatchResult {
  readonly paths: Readonly<Record<DispatchPath, LatencyStats>>;
  /** Share of each path's tasks that took STALL_MS or longer. */
  readonly stalled: Readonly<Record<DispatchPath, number>>;
  /** The switchboard path split at the task's own events (times from the POST). */
  readonly phases: {
    /** POST sent → HTTP response (validation, submitTask, its commit). */
    readonly postResponse: LatencyStats;
    /** POST sent → the runner's claim committed (`running` event). */
    readonly toClaim: LatencyStats;
    /** Claim → result stored (`succeeded` event): SSH exec, spool, completeTask. */
    readonly claimToStored: LatencyStats;
    /** Result stored → GET /api/tasks/:id answered with the terminal status. */
    readonly storedToGet: LatencyStats;
    /** The transport's own durationMs as stored on the stage (latency_ms, whole ms). */
    readonly stageLatency: LatencyStats;
  };
}

export interface ThroughputRun {
  readonly tasks: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Channel opens sshd refused (slot of a closed session not yet freed), each retried. */
  readonly refusedOpens: number;
  /** CPU time of this process (user + system) per task. */
  readonly cpuMsPerTask: number;
  /**
   * CPU time of the rest of the machine per task (every core's busy time, minus this
   * process's): sshd, the shells and programs it starts, the kernel's loopback TCP, and on the
   * full path the load generator's process.
   */
  readonly elsewhereMsPerTask: number;
}

/** Where a throughput task's time went, per task. */
export interface TaskSplit {
  /** POST sent → claimed (`running` event). */
  readonly toClaim: LatencyStats;
  /** Claimed → result stored. */
  readonly claimToStored: LatencyStats;
  /** The transport's durationMs as stored on the stage (whole ms). */
  readonly stageLatency: LatencyStats;
}

/** Who spends the main thread's CPU on the full path; see ownerOf. */
export type CpuOwner = 'ssh' | 'db' | 'http' | 'app' | 'client' | 'gc' | 'node';

export interface CpuSplit {
  readonly tasks: number;
  /** Main-thread busy time per task in the profiled run (profiler overhead included). */
  readonly busyMsPerTask: number;
  readonly owners: readonly { readonly owner: CpuOwner; readonly share: number }[];
  /** Self time of the hottest functions. */
  readonly topFunctions: readonly { readonly name: string; readonly share: number }[];
  /**
   * Gaps between firings of a 1 ms timer during the profiled run: how long a packet that has
   * arrived may wait for its turn. Sampled only here, since the timer itself costs the loop.
   */
  readonly loopTurn: LatencyStats;
}

/** One path's throughput rounds, summarised by the median round. */
export interface ThroughputPath {
  readonly rounds: readonly ThroughputRun[];
  readonly perSecond: number;
  readonly minPerSecond: number;
  readonly maxPerSecond: number;
  /** Medians over the rounds. */
  readonly refusedOpens: number;
  readonly cpuMsPerTask: number;
  readonly elsewhereMsPerTask: number;
}

export interface ThroughputResult {
  readonly channels: number;
  readonly tasks: number;
  readonly baseline: ThroughputPath;
  readonly noDelay: ThroughputPath;
  /** The baseline again, retrying refused opens on the transport's schedule. */
  readonly backoff: ThroughputPath;
  /**
   * Raw, TCP_NODELAY, running `exec true`: the program started as a program (what argv means)
   * and nothing else, so the most any runner that execs its argv can reach on this host.
   */
  readonly programOnly: ThroughputPath;
  /** Raw, TCP_NODELAY, running the transport's command line (pgid report, env -i) for `true`. */
  readonly wrapped: ThroughputPath;
  readonly switchboard: ThroughputPath;
  /** Over every task of the switchboard rounds. */
  readonly switchboardSplit: TaskSplit;
  /** The load generator's own CPU per task (median round), part of the full path's "rest of the machine". */
  readonly loadGeneratorCpuMsPerTask: number;
  /** A further, profiled run on the same instance; not part of the figures above. */
  readonly cpu: CpuSplit;
}

/** Process memory in MiB: RSS, V8 heap in use, and memory outside the heap (Buffers). */
export interface MemorySnapshot {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

export interface MemoryResult {
  readonly runs: readonly MemoryRun[];
  /** The run with the largest growth. */
  readonly worst: MemoryRun;
}

export interface MemoryRun {
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly samples: number;
  readonly before: MemorySnapshot;
  /** Per-field maxima of the samples taken while the output was still arriving. */
  readonly streamingPeak: MemorySnapshot;
  /** Per-field maxima over the whole task, its completion included. */
  readonly peak: MemorySnapshot;
  /** The kernel's own RSS peak (VmHWM, reset before the stream); null where it cannot be. */
  readonly hwmPeakMiB: number | null;
  /** The larger of the sampled and kernel RSS peaks, minus RSS before. */
  readonly growthMiB: number;
  readonly streamingGrowthMiB: number;
  readonly spoolBytes: number;
}

export interface RunnerBenchResult {
  readonly options: RunnerBenchOptions;
  readonly openssh: string;
  readonly dispatch: DispatchResult;
  readonly throughput: ThroughputResult;
  readonly memory: MemoryResult;
  /** The same stream through a fresh `switchboard runner` process (the runner service). */
  readonly serviceMemory: ServiceMemoryResult;
  readonly elapsedMs: number;
  /** os.loadavg() (1 min) before and after: other work on the machine skews every figure. */
  readonly load: readonly [number, number];
}

const TOKEN = 'bench-admin-token-0123456789abcdef';
const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const TRUE_TASK = { kind: 'shell', host: 'vm', argv: ['true'] } as const;
const MiB = 1024 * 1024;

function fail(message: string): never {
  throw new Error(`runner bench: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Statistics.

function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

function throughputPath(rounds: readonly ThroughputRun[]): ThroughputPath {
  const rates = rounds.map((r) => r.perSecond);
  return {
    rounds,
    perSecond: median(rates),
    minPerSecond: Math.min(...rates),
    maxPerSecond: Math.max(...rates),
    refusedOpens: median(rounds.map((r) => r.refusedOpens)),
    cpuMsPerTask: median(rounds.map((r) => r.cpuMsPerTask)),
    elsewhereMsPerTask: median(rounds.map((r) => r.elsewhereMsPerTask)),
  };
}

/** Busy time of every core so far, in ms (os.cpus() counts in ms, at the kernel's tick). */
const machineBusyMs = () =>
  cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0);

/**
 * Counts channel opens that sshd refused, on every ssh2 client in the process: a synchronous
 * tap on Client#exec's callback, since the transport retries refusals where nothing outside
 * can see them. Runs are sequential, so the count's growth over a run belongs to that run.
 */
function tapRefusedOpens() {
  const proto = Client.prototype as unknown as { exec: (...args: unknown[]) => unknown };
  const original = proto.exec;
  const tap = { refused: 0, restore: () => void (proto.exec = original) };
  proto.exec = function (this: Client, ...args: unknown[]) {
    const callback = args.pop() as (err: Error | undefined, ...rest: unknown[]) => void;
    return original.call(this, ...args, (err: Error | undefined, ...rest: unknown[]) => {
      if (err) tap.refused++;
      callback(err, ...rest);
    });
  };
  return tap;
}

type RefusalTap = ReturnType<typeof tapRefusedOpens>;

/** Times `run` as one throughput run: wall time to `finishedAt`, CPU and refused opens. */
async function measureRun(
  tap: RefusalTap,
  tasks: number,
  run: () => Promise<number>,
): Promise<ThroughputRun> {
  const refused = tap.refused;
  const busy = machineBusyMs();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const finishedAt = await run();
  const used = process.cpuUsage(cpu);
  const ownMs = (used.user + used.system) / 1000;
  return {
    tasks,
    elapsedMs: finishedAt - t0,
    perSecond: (tasks / (finishedAt - t0)) * 1000,
    refusedOpens: tap.refused - refused,
    cpuMsPerTask: ownMs / tasks,
    elsewhereMsPerTask: Math.max(0, machineBusyMs() - busy - ownMs) / tasks,
  };
}

/** Runs `count` jobs with at most `width` of them in flight. */
async function inParallel(count: number, width: number, job: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await job(i);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

// ---------------------------------------------------------------------------------------------
// Raw ssh2: the baseline, one warm connection and nothing of ours on top.

async function connectRaw(sshd: Sshd, noDelay: boolean): Promise<Client> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.clientPrivateKey,
    });
  });
  // ssh2 leaves Nagle on (net.Socket's default); this variant only shows what that costs.
  if (noDelay) client.setNoDelay(true);
  client.on('error', () => {});
  return client;
}

/** Execs `command`, drains its output, resolves with its exit code once the channel closes. */
function execRaw(client: Client, command: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let code: number | null = null;
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('data', () => {});
      stream.stderr.on('data', () => {});
      stream.once('close', () => resolve(code));
      stream.end();
    });
  });
}

/** One timed exec; a failing `true` means the setup is broken, not slow. */
async function timeRaw(client: Client, command: string): Promise<number> {
  const t0 = performance.now();
  const code = await execRaw(client, command);
  const ms = performance.now() - t0;
  if (code !== 0) fail(`raw exec of ${command} exited ${code}`);
  return ms;
}

/** How long to wait before retrying a refused open, by attempt (1 = the first retry). */
type RetryDelay = (attempt: number) => number;

/** The baseline's: 2 ms, since the slot frees as soon as sshd reaps the closed session. */
const QUICK_RETRY: RetryDelay = () => 2;

/** The schedule src/runner/ssh/ssh-transport.ts uses (20 ms × 2^attempt, at most 1.5 s). */
const TRANSPORT_RETRY: RetryDelay = (attempt) => Math.min(20 * 2 ** attempt, 1_500);

/** `count` execs of `command` over `width` parallel channels; resolves when the last one closed. */
async function rawThroughput(
  client: Client,
  count: number,
  width: number,
  retryDelay: RetryDelay = QUICK_RETRY,
  command = 'true',
): Promise<number> {
  let retries = 0;
  await inParallel(count, width, async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        if ((await execRaw(client, command)) !== 0) fail(`raw \`${command}\` failed`);
        return;
      } catch (e) {
        if (++retries > count) throw e;
        await sleep(retryDelay(attempt));
      }
    }
  });
  return performance.now();
}

// ---------------------------------------------------------------------------------------------
// Switchboard in-process: a generated YAML config, events observed through its logger.

interface TaskJson {
  readonly id: string;
  readonly status: TaskStatus;
  readonly stages?: readonly { outcome: string; exit_code: number | null; latency_ms: number }[];
}

/**
 * The log notifier logs every task.changed event right after the state change commits; the
 * bench listens there instead of polling, so waiting costs the runner no CPU. Each status is
 * stamped the first time it is seen, so a waiter that arrives late still gets the right time.
 */
function createEventTracker() {
  const seen = new Map<string, Map<string, number>>();
  const waiters = new Map<string, () => void>();
  const problems: string[] = [];
  const note = (message: string, fields?: Record<string, unknown>) =>
    problems.push(`${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = {
    info(message, fields) {
      if (message !== 'task.changed' || !fields) return;
      const id = String(fields['task']);
      const status = fields['status'] as TaskStatus;
      const times = seen.get(id) ?? new Map<string, number>();
      seen.set(id, times);
      if (!times.has(status)) times.set(status, performance.now());
      if (isTerminal(status)) waiters.get(id)?.();
    },
    warn: note,
    error: note,
  };
  const terminalAt = (id: string): number | undefined => {
    for (const [status, at] of seen.get(id) ?? []) if (isTerminal(status as TaskStatus)) return at;
    return undefined;
  };
  return {
    logger,
    problems,
    at: (id: string, status: TaskStatus) => seen.get(id)?.get(status),
    /** Resolves with the time the task's terminal event fired. */
    terminal(id: string): Promise<number> {
      const at = terminalAt(id);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) =>
        waiters.set(id, () => {
          waiters.delete(id);
          resolve(terminalAt(id) ?? performance.now());
        }),
      );
    },
    forget: (id: string) => seen.delete(id),
  };
}

type EventTracker = ReturnType<typeof createEventTracker>;

interface Instance {
  readonly app: RunningSwitchboard;
  readonly events: EventTracker;
  readonly dataDir: string;
  /** Keep-alive HTTP connections to the gateway, like a real client's. */
  readonly agent: Agent;
}

function writeYaml(sshd: Sshd, path: string, concurrency: number | null): void {
  const host =
    `{ name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, ` +
    `key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}", ` +
    `max_sessions: ${MAX_SESSIONS} }`;
  const lines = [
    'hosts:',
    `  - ${host}`,
    // `true` runs without a gate, like the default list's read-only commands.
    'approvals:',
    "  shell_allow_list: ['true']",
    ...(concurrency === null ? [] : ['runner:', `  concurrency: ${concurrency}`]),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** `concurrency` null keeps the runner's default (2). */
async function startInstance(
  sshd: Sshd,
  dir: string,
  name: string,
  concurrency: number | null,
): Promise<Instance> {
  const yamlPath = join(dir, `${name}.yaml`);
  writeYaml(sshd, yamlPath, concurrency);
  const dataDir = join(dir, `${name}-data`);
  const config = loadConfig({
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_CONFIG: yamlPath,
      SWITCHBOARD_ADMIN_TOKEN: TOKEN,
      PATH: '/usr/bin:/bin',
      HOME: dir,
    },
    cwd: dir,
    version: 'bench',
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  if (!config.ok) fail(`config: ${JSON.stringify(config.error)}`);
  const events = createEventTracker();
  const app = await startSwitchboard(config.value, events.logger);
  return { app, events, dataDir, agent: new Agent({ keepAlive: true }) };
}

/**
 * One HTTP request over node:http. Not fetch: in this process the client competes with the
 * server for the CPU, and undici's fetch cost about 3 ms of it per request on this machine.
 */
function call(inst: Instance, method: string, path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload ? { ...HEADERS, 'content-length': Buffer.byteLength(payload) } : HEADERS;
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${inst.app.url}${path}`, { method, headers, agent: inst.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function callJson(
  inst: Instance,
  method: string,
  path: string,
  want: number,
  body?: unknown,
) {
  const res = await call(inst, method, path, body);
  if (res.status !== want) fail(`${method} ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as TaskJson;
}

const postTask = (inst: Instance, body: unknown) => callJson(inst, 'POST', '/api/tasks', 201, body);
const getTask = (inst: Instance, id: string) => callJson(inst, 'GET', `/api/tasks/${id}`, 200);

/** GETs until the task shows a terminal status (the first GET normally does). */
async function confirmTerminal(inst: Instance, id: string): Promise<TaskJson> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const task = await getTask(inst, id);
    if (isTerminal(task.status)) return task;
    if (performance.now() > deadline) fail(`task ${id} stuck in ${task.status}`);
    await sleep(2);
  }
}

function expectSucceeded(task: TaskJson): void {
  const stage = task.stages?.[0];
  if (task.status !== 'succeeded' || stage?.exit_code !== 0) {
    fail(`task ${task.id} ended ${task.status}: ${JSON.stringify(stage)}`);
  }
}

/** POST → result stored → GET shows it; the phases come from the task's own events. */
async function timeSwitchboardTask(inst: Instance) {
  const { events } = inst;
  const t0 = performance.now();
  const posted = await postTask(inst, TRUE_TASK);
  const responded = performance.now();
  if (posted.status !== 'queued') fail(`\`true\` was not queued at once: ${posted.status}`);
  const stored = await events.terminal(posted.id);
  const task = await confirmTerminal(inst, posted.id);
  const total = performance.now() - t0;
  expectSucceeded(task);
  const claimed = events.at(posted.id, 'running') ?? Number.NaN;
  events.forget(posted.id);
  return {
    total,
    postResponse: responded - t0,
    toClaim: claimed - t0,
    claimToStored: stored - claimed,
    storedToGet: t0 + total - stored,
    stageLatency: task.stages?.[0]?.latency_ms ?? Number.NaN,
  };
}

// ---------------------------------------------------------------------------------------------
// The three benchmarks.

interface DispatchRig {
  readonly raw: Client;
  readonly rawNoDelay: Client;
  readonly transport: Transport;
  readonly inst: Instance;
}

async function timeTransport(transport: Transport): Promise<number> {
  const t0 = performance.now();
  const result = await transport.exec({ argv: ['true'], timeoutMs: 30_000 });
  const ms = performance.now() - t0;
  if (result.exit.kind !== 'exited' || result.exit.code !== 0) {
    fail(`transport exec of true: ${JSON.stringify(result)}`);
  }
  return ms;
}

type Phases = DispatchResult['phases'];
type PhaseKey = keyof Phases;
const PHASES: readonly PhaseKey[] = [
  'postResponse',
  'toClaim',
  'claimToStored',
  'storedToGet',
  'stageLatency',
];

/** One timed dispatch of a path; the switchboard path also reports its phases. */
function dispatchSteps(rig: DispatchRig) {
  const wrappedLine = toRemoteCommandLine({ argv: ['true'] });
  const steps: Record<
    DispatchPath,
    () => Promise<{ ms: number; phases?: Record<PhaseKey, number> }>
  > = {
    baseline: async () => ({ ms: await timeRaw(rig.raw, 'true') }),
    noDelay: async () => ({ ms: await timeRaw(rig.rawNoDelay, 'true') }),
    wrapped: async () => ({ ms: await timeRaw(rig.raw, wrappedLine) }),
    transport: async () => ({ ms: await timeTransport(rig.transport) }),
    switchboard: async () => {
      const t = await timeSwitchboardTask(rig.inst);
      return { ms: t.total, phases: t };
    },
  };
  return steps;
}

/**
 * Sequential tasks in blocks: each path runs `dispatchBlock` tasks back to back on its warm
 * connection (the first `dispatchSettle` are dropped), the paths take turns block by block,
 * and the turns repeat, so drift on the machine hits all paths alike. Back to back matters:
 * whether a small SSH packet waits out a delayed ACK depends on the TCP state that the
 * previous exec on the same connection left, and steady use is what a busy runner sees.
 */
async function runDispatch(rig: DispatchRig, o: RunnerBenchOptions): Promise<DispatchResult> {
  const steps = dispatchSteps(rig);
  const paths = Object.keys(steps) as DispatchPath[];
  const samples = new Map<DispatchPath, number[]>(paths.map((p) => [p, []]));
  const phases = new Map<PhaseKey, number[]>(PHASES.map((k) => [k, []]));
  for (let round = 0; round < o.dispatchRounds; round++) {
    for (const path of paths) {
      for (let i = 0; i < o.dispatchBlock; i++) {
        const t = await steps[path]();
        if (i < o.dispatchSettle) continue;
        samples.get(path)?.push(t.ms);
        if (t.phases) for (const k of PHASES) phases.get(k)?.push(t.phases[k]);
      }
    }
  }
  const stats = <K extends string>(m: Map<K, number[]>) =>
    Object.fromEntries([...m].map(([k, v]) => [k, latencyStats(v)])) as Record<K, LatencyStats>;
  const stalled = Object.fromEntries(
    [...samples].map(([k, v]) => [k, v.filter((ms) => ms >= STALL_MS).length / v.length]),
  ) as Record<DispatchPath, number>;
  return { paths: stats(samples), stalled, phases: stats(phases) };
}

interface Posted {
  readonly id: string;
  readonly at: number;
  readonly stored: Promise<number>;
}

/** The load generator's process (bench/task-load.mjs), started once per instance. */
function startLoadProcess(inst: Instance) {
  const child = fork(fileURLToPath(new URL('./task-load.mjs', import.meta.url)), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  type Answer =
    | { type: 'posted'; posted: { id: string; status: string; at: number }[]; cpuMs: number }
    | { type: 'error'; message: string };
  return {
    /**
     * Posts `count` tasks from the child; `at` comes back on this process's clock, with the
     * child's CPU time for the run.
     */
    post(
      count: number,
      concurrency: number,
    ): Promise<{ posted: { id: string; status: string; at: number }[]; cpuMs: number }> {
      return new Promise((resolve, reject) => {
        const onExit = () => reject(new Error('the load generator exited'));
        child.once('exit', onExit);
        child.once('message', (m: Answer) => {
          child.off('exit', onExit);
          if (m.type === 'error') return reject(new Error(m.message));
          resolve({
            posted: m.posted.map((p) => ({ ...p, at: p.at - performance.timeOrigin })),
            cpuMs: m.cpuMs,
          });
        });
        child.send({
          type: 'run',
          count,
          concurrency,
          url: `${inst.app.url}/api/tasks`,
          headers: HEADERS,
          body: TRUE_TASK,
        });
      });
    },
    stop: () => child.kill(),
  };
}

/**
 * Full-path load on one instance: each run posts its tasks (postConcurrency requests in
 * flight) from a separate load process and resolves when the last result was stored (seen by
 * the in-process event tracker). split() then checks, untimed, that the API serves every task
 * of every run as succeeded, and splits their time.
 */
function createSwitchboardLoad(inst: Instance, o: RunnerBenchOptions) {
  const posted: Posted[] = [];
  const cpuMsPerTask: number[] = [];
  const client = startLoadProcess(inst);
  return {
    async run(count: number): Promise<number> {
      const mine: Posted[] = [];
      try {
        const sent = await client.post(count, o.postConcurrency);
        cpuMsPerTask.push(sent.cpuMs / count);
        for (const { id, status, at } of sent.posted) {
          if (status !== 'queued') fail(`\`true\` was not queued at once: ${status}`);
          mine.push({ id, at, stored: inst.events.terminal(id) });
        }
        return Math.max(...(await Promise.all(mine.map((p) => p.stored))));
      } finally {
        posted.push(...mine);
      }
    },
    split: () => splitTasks(inst, posted, o.postConcurrency),
    /** The load generator's CPU per task, median over the runs. */
    cpuMsPerTask: () => median(cpuMsPerTask),
    stop: () => client.stop(),
  };
}

/**
 * Samples the gaps between firings of a 1 ms interval timer while started. (perf_hooks'
 * monitorEventLoopDelay counts the time it was disabled as one long gap on re-enable.)
 */
function createLoopTurns() {
  const gaps: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      let last = performance.now();
      timer = setInterval(() => {
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }, 1);
    },
    stop: () => clearInterval(timer),
    stats: () => latencyStats(gaps),
  };
}

async function splitTasks(
  inst: Instance,
  posted: readonly Posted[],
  width: number,
): Promise<TaskSplit> {
  const stageLatency: number[] = [];
  await inParallel(posted.length, width, async (i) => {
    const task = await getTask(inst, posted[i]?.id ?? fail('missing id'));
    expectSucceeded(task);
    stageLatency.push(task.stages?.[0]?.latency_ms ?? Number.NaN);
  });
  const toClaim: number[] = [];
  const claimToStored: number[] = [];
  for (const p of posted) {
    const claimed = inst.events.at(p.id, 'running') ?? Number.NaN;
    toClaim.push(claimed - p.at);
    claimToStored.push((await p.stored) - claimed);
  }
  return {
    toClaim: latencyStats(toClaim),
    claimToStored: latencyStats(claimToStored),
    stageLatency: latencyStats(stageLatency),
  };
}

const gc = (): void => {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
};

const spoolFiles = (dataDir: string, taskId: string): string[] => {
  const dir = join(dataDir, 'output');
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${taskId}.`))
    .map((f) => join(dir, f));
};

/** A GiB per run is too much to leave lying in the scratch dir until the end. */
const removeSpool = (dataDir: string, taskId: string): void =>
  spoolFiles(dataDir, taskId).forEach((f) => rmSync(f, { force: true }));

/** Bytes in the task's spool files (0 until the first one exists). */
function spoolSize(dataDir: string, taskId: string): number {
  try {
    return spoolFiles(dataDir, taskId).reduce((sum, f) => sum + statSync(f).size, 0);
  } catch {
    return 0;
  }
}

function snapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  return { rss: m.rss / MiB, heapUsed: m.heapUsed / MiB, external: m.external / MiB };
}

const maxOf = (a: MemorySnapshot, b: MemorySnapshot): MemorySnapshot => ({
  rss: Math.max(a.rss, b.rss),
  heapUsed: Math.max(a.heapUsed, b.heapUsed),
  external: Math.max(a.external, b.external),
});

/**
 * Samples memory every `everyMs`; a sample counts as "streaming" until the spool file holds
 * every byte, which separates the steady cost of the stream from the task's completion.
 */
function watchMemory(everyMs: number, streaming: () => boolean) {
  const before = snapshot();
  const w = { before, streamingPeak: before, peak: before, samples: 0 };
  const sample = () => {
    const now = snapshot();
    if (streaming()) w.streamingPeak = maxOf(w.streamingPeak, now);
    w.peak = maxOf(w.peak, now);
    w.samples++;
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return w;
    },
  };
}

/**
 * One task streaming `bytes` of output over SSH. It needs a gate (a pipe needs `sh -c`), so it
 * is posted first and the clock starts at the approval, after a GC and a reset of VmHWM.
 */
/**
 * The stream lands in a spool file on this disk, so its size must be a real bound (`head -c -1`
 * never ends and would fill the disk) and fit with room to spare.
 */
function checkStreamFits(dataDir: string, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) fail(`streamBytes must be > 0, got ${bytes}`);
  const fs = statfsSync(dataDir);
  const free = fs.bavail * fs.bsize;
  if (free < bytes * 2) fail(`${bytes} bytes to spool but only ${free} free under ${dataDir}`);
}

/** Generous for the 150–250 MiB/s seen here, yet a stuck stream gives up within minutes. */
const streamTimeoutS = (bytes: number): number => 60 + Math.ceil(bytes / (8 * MiB));

async function runMemory(inst: Instance, o: RunnerBenchOptions): Promise<MemoryRun> {
  checkStreamFits(inst.dataDir, o.streamBytes);
  const command = streamCommand(o.streamBytes);
  const timeout_s = streamTimeoutS(o.streamBytes);
  const body = { kind: 'shell', host: 'vm', argv: ['sh', '-c', command], timeout_s };
  const { id, status } = await postTask(inst, body);
  if (status !== 'awaiting_approval') fail(`stream task: expected a gate, got ${status}`);
  gc();
  await sleep(200);
  const hwmReset = resetHwm();
  const watch = watchMemory(o.sampleEveryMs, () => spoolSize(inst.dataDir, id) < o.streamBytes);
  const t0 = performance.now();
  let w: ReturnType<typeof watch.stop>;
  try {
    await callJson(inst, 'POST', `/api/tasks/${id}/approve`, 200, {});
    await inst.events.terminal(id);
  } finally {
    w = watch.stop();
  }
  const elapsedMs = performance.now() - t0;
  const hwm = hwmReset ? (procMemoryMiB()?.hwm ?? null) : null;
  expectSucceeded(await getTask(inst, id));
  const spoolBytes = spoolSize(inst.dataDir, id);
  if (spoolBytes !== o.streamBytes) fail(`spooled ${spoolBytes} of ${o.streamBytes} bytes`);
  removeSpool(inst.dataDir, id);
  return {
    bytes: o.streamBytes,
    elapsedMs,
    samples: w.samples,
    before: w.before,
    streamingPeak: w.streamingPeak,
    peak: w.peak,
    hwmPeakMiB: hwm,
    growthMiB: Math.max(w.peak.rss, hwm ?? 0) - w.before.rss,
    streamingGrowthMiB: w.streamingPeak.rss - w.before.rss,
    spoolBytes,
  };
}

// ---------------------------------------------------------------------------------------------
// Profiling: who spends the CPU of a full-path task.

/**
 * The layer a frame belongs to, or null for frames that only run on behalf of their caller
 * (native code, Node internals): those are charged to the nearest caller that has an owner.
 * node:http serves both sides: its client and agent modules are the bench's HTTP calls (GETs),
 * its server module the gateway; shared modules (parser, messages) go to whichever called.
 */
function ownerOf(frame: Runtime.CallFrame): CpuOwner | null {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'gc';
  if (url.includes('/bench/') || url === 'node:_http_client' || url === 'node:_http_agent') {
    return 'client';
  }
  if (url === 'node:_http_server' || /\/node_modules\/(@hono|hono)\//.test(url)) return 'http';
  // The transport's write coalescing sends ssh2's packets: its socket writes are ssh2's.
  if (url.includes('/node_modules/ssh2/') || url.includes('/src/runner/ssh/coalesce-writes')) {
    return 'ssh';
  }
  if (/\/node_modules\/(drizzle-orm|libsql|@libsql)\/|\/src\/db\//.test(url)) return 'db';
  if (/\/node_modules\/zod\/|\/src\//.test(url)) return 'app';
  return null;
}

const frameName = (frame: Runtime.CallFrame): string => {
  const file = frame.url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/(src|bench)\//, '$1/')
    .replace(/^node:/, '');
  return `${frame.functionName || '(anonymous)'}${file ? ` (${file})` : ''}`;
};

/** Shares of busy (non-idle) samples, by owner and by the function that was on the CPU. */
function summariseProfile(profile: Profiler.Profile, tasks: number): Omit<CpuSplit, 'loopTurn'> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = (id: number): CpuOwner => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at)?.callFrame;
      const found = frame ? ownerOf(frame) : null;
      if (found) return found;
    }
    return 'node';
  };
  // Profiler.stop serialising the profile is sampled too; it is not the tasks' work.
  const byProfiler = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (nodes.get(at)?.callFrame.url === 'node:inspector') return true;
    return false;
  };
  const byOwner = new Map<CpuOwner, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const frame = nodes.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)' || byProfiler(id)) return;
    const dt = profile.timeDeltas?.[i] ?? 0;
    busy += dt;
    byOwner.set(owner(id), (byOwner.get(owner(id)) ?? 0) + dt);
    byFunction.set(frameName(frame), (byFunction.get(frameName(frame)) ?? 0) + dt);
  });
  const shares = <K>(m: Map<K, number>) =>
    [...m]
      .map(([key, t]) => ({ key, share: busy ? t / busy : 0 }))
      .sort((a, b) => b.share - a.share);
  return {
    tasks,
    busyMsPerTask: busy / 1000 / tasks,
    owners: shares(byOwner).map(({ key, share }) => ({ owner: key, share })),
    topFunctions: shares(byFunction)
      .slice(0, 8)
      .map(({ key, share }) => ({ name: key, share })),
  };
}

/** One more throughput run under V8's sampling profiler (500 µs interval). */
async function profileThroughput(inst: Instance, o: RunnerBenchOptions): Promise<CpuSplit> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    // The load process starts before the profiler, so its spawn is not charged to the tasks.
    const load = createSwitchboardLoad(inst, o);
    await session.post('Profiler.start');
    const loop = createLoopTurns();
    loop.start();
    await load.run(o.profileTasks);
    loop.stop();
    const { profile } = await session.post('Profiler.stop');
    await load.split();
    load.stop();
    return { ...summariseProfile(profile, o.profileTasks), loopTurn: loop.stats() };
  } finally {
    session.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Orchestration: everything opened is closed and deleted however the run ends.

interface Scratch {
  sshd?: Sshd;
  dir?: string;
  readonly clients: Client[];
  readonly transports: Transport[];
  readonly instances: Instance[];
}

async function cleanUp(s: Scratch): Promise<void> {
  for (const c of s.clients) c.end();
  await Promise.allSettled(s.transports.map((t) => t.close()));
  for (const i of s.instances) i.agent.destroy();
  await Promise.allSettled(s.instances.map((i) => i.app.close()));
  try {
    await s.sshd?.stop();
  } finally {
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  }
}

const opensshVersion = (): string => {
  try {
    execFileSync('/usr/sbin/sshd', ['-V'], { stdio: 'pipe' });
    return 'OpenSSH';
  } catch (e) {
    // sshd has no version flag: it prints the version in its usage message and exits 1.
    const text = String((e as { stderr?: Buffer }).stderr ?? '');
    return text.split(/[\n,]/)[0]?.trim() || 'OpenSSH';
  }
};

function checkProblems(inst: Instance): void {
  if (inst.events.problems.length) fail(`switchboard logged: ${inst.events.problems.join('; ')}`);
}

/** The raw clients, the bare transport and the dispatch instance, all against one sshd. */
async function openRig(s: Scratch, sshd: Sshd, dir: string): Promise<DispatchRig> {
  const raw = await connectRaw(sshd, false);
  s.clients.push(raw);
  const rawNoDelay = await connectRaw(sshd, true);
  s.clients.push(rawNoDelay);
  const transport = createSshTransport({
    name: 'vm',
    address: sshd.host,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.clientPrivateKey,
    hostKey: { kind: 'pinned', fingerprint: sshd.hostKeySha256 },
    maxSessions: MAX_SESSIONS,
  });
  s.transports.push(transport);
  const inst = await startInstance(sshd, dir, 'dispatch', null);
  s.instances.push(inst);
  return { raw, rawNoDelay, transport, inst };
}

/** The raw runs, then a second instance with runner.concurrency = channels for the full path. */
async function runThroughput(
  s: Scratch,
  rig: DispatchRig,
  tap: RefusalTap,
  o: RunnerBenchOptions,
): Promise<ThroughputResult> {
  const sshd = s.sshd ?? fail('no sshd');
  const dir = s.dir ?? fail('no scratch dir');
  const n = o.throughputTasks;
  const wide = await startInstance(sshd, dir, 'throughput', o.channels);
  s.instances.push(wide);
  const load = createSwitchboardLoad(wide, o);
  const wrappedLine = toRemoteCommandLine({ argv: ['true'] });
  const runs: Record<
    'baseline' | 'noDelay' | 'backoff' | 'programOnly' | 'wrapped' | 'switchboard',
    () => Promise<number>
  > = {
    baseline: () => rawThroughput(rig.raw, n, o.channels),
    noDelay: () => rawThroughput(rig.rawNoDelay, n, o.channels),
    backoff: () => rawThroughput(rig.raw, n, o.channels, TRANSPORT_RETRY),
    // `true` is a shell builtin in the baseline; a task's program is always exec'd.
    programOnly: () => rawThroughput(rig.rawNoDelay, n, o.channels, QUICK_RETRY, 'exec true'),
    // What the transport sends, on a socket set up like the transport's: the host's share.
    wrapped: () => rawThroughput(rig.rawNoDelay, n, o.channels, QUICK_RETRY, wrappedLine),
    switchboard: () => load.run(n),
  };
  const rounds = new Map(Object.keys(runs).map((k) => [k, [] as ThroughputRun[]]));
  // Round by round, so drift on the machine hits every path alike.
  for (let round = 0; round < o.throughputRounds; round++) {
    for (const [key, run] of Object.entries(runs)) {
      rounds.get(key)?.push(await measureRun(tap, n, run));
    }
  }
  const path = (key: keyof typeof runs) => throughputPath(rounds.get(key) ?? []);
  const switchboardSplit = await load.split();
  const loadGeneratorCpuMsPerTask = load.cpuMsPerTask();
  load.stop();
  const cpu = await profileThroughput(wide, o);
  // Closed now so its runner and connection stop competing with the memory runs.
  wide.agent.destroy();
  await wide.app.close();
  checkProblems(wide);
  return {
    channels: o.channels,
    tasks: n,
    baseline: path('baseline'),
    noDelay: path('noDelay'),
    backoff: path('backoff'),
    programOnly: path('programOnly'),
    wrapped: path('wrapped'),
    switchboard: path('switchboard'),
    switchboardSplit,
    loadGeneratorCpuMsPerTask,
    cpu,
  };
}

const fixed = (n: number) => n.toFixed(1);

async function runMemories(
  inst: Instance,
  o: RunnerBenchOptions,
  log: (line: string) => void,
): Promise<MemoryResult> {
  const runs: MemoryRun[] = [];
  for (let i = 0; i < o.memoryRuns; i++) {
    const run = await runMemory(inst, o);
    log(`  RSS growth ${fixed(run.growthMiB)} MiB in ${fixed(run.elapsedMs / 1000)} s`);
    runs.push(run);
  }
  const worst = runs.reduce((a, b) => (b.growthMiB > a.growthMiB ? b : a));
  return { runs, worst };
}
const int = (n: number) => Math.round(n).toString();

export async function runRunnerBench(
  o: RunnerBenchOptions = DEFAULT_RUNNER_BENCH_OPTIONS,
  log: (line: string) => void = () => {},
): Promise<RunnerBenchResult> {
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const s: Scratch = { clients: [], transports: [], instances: [] };
  const tap = tapRefusedOpens();
  try {
    s.sshd = await startSshd({ maxSessions: MAX_SESSIONS });
    s.dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-runner-'));
    checkStreamFits(s.dir, o.streamBytes);
    const rig = await openRig(s, s.sshd, s.dir);

    log(`dispatch: ${o.dispatchRounds * (o.dispatchBlock - o.dispatchSettle)} tasks per path…`);
    const dispatch = await runDispatch(rig, o);
    const p = dispatch.paths;
    log(`  p50 raw ${fixed(p.baseline.p50Ms)} ms, switchboard ${fixed(p.switchboard.p50Ms)} ms`);

    log(`throughput: ${o.throughputTasks} tasks over ${o.channels} channels…`);
    const throughput = await runThroughput(s, rig, tap, o);
    const t = throughput;
    log(
      `  median raw ${int(t.baseline.perSecond)}/s, switchboard ${int(t.switchboard.perSecond)}/s`,
    );

    log(`memory: streaming ${o.streamBytes / MiB} MiB through one task, ${o.memoryRuns}×…`);
    const memory = await runMemories(rig.inst, o, log);
    checkProblems(rig.inst);

    log(`runner service: the same stream through a fresh process, ${o.memoryRuns}×…`);
    const serviceMemory = await runServiceMemory({
      sshd: s.sshd,
      dir: s.dir,
      bytes: o.streamBytes,
      runs: o.memoryRuns,
      sampleEveryMs: o.sampleEveryMs,
      timeoutS: streamTimeoutS(o.streamBytes),
    });
    for (const run of serviceMemory.runs) {
      log(`  RSS growth ${fixed(run.growthMiB)} MiB in ${fixed(run.elapsedMs / 1000)} s`);
    }
    return {
      options: o,
      openssh: opensshVersion(),
      dispatch,
      throughput,
      memory,
      serviceMemory,
      elapsedMs: performance.now() - started,
      load: [loadBefore, loadavg()[0] ?? Number.NaN],
    };
  } finally {
    tap.restore();
    await cleanUp(s);
  }
}

// ---------------------------------------------------------------------------------------------
// A fresh process: RSS growth means nothing in a process whose allocators still hold the free
// memory an earlier bench left behind (after the claim + complete bench it read 0 MiB).

const CHILD_FLAG = '--runner-bench-child';

type ChildMessage =
  | { readonly type: 'result'; readonly result: RunnerBenchResult }
  | { readonly type: 'error'; readonly message: string };

/** Runs runRunnerBench in a child Node process (same loader flags) and returns its result. */
export function runRunnerBenchIsolated(
  o: RunnerBenchOptions = DEFAULT_RUNNER_BENCH_OPTIONS,
): Promise<RunnerBenchResult> {
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, JSON.stringify(o)], {
    execArgv: process.execArgv,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    // Structured clone, not JSON: a NaN in a statistic must arrive as NaN.
    serialization: 'advanced',
  });
  return new Promise((resolve, reject) => {
    let outcome: ChildMessage | null = null;
    child.on('message', (m: ChildMessage) => (outcome = m));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const done = outcome as ChildMessage | null;
      if (done?.type === 'result') resolve(done.result);
      else reject(new Error(done?.message ?? `runner bench child exited (${code ?? signal})`));
    });
  });
}

async function runAsChild(): Promise<void> {
  const send = (m: ChildMessage) =>
    new Promise<void>((resolve) => process.send?.(m, undefined, {}, () => resolve()));
  try {
    const o = JSON.parse(process.argv[process.argv.indexOf(CHILD_FLAG) + 1] ?? '{}');
    const result = await runRunnerBench(o as RunnerBenchOptions, (line) => console.log(line));
    await send({ type: 'result', result });
  } catch (e) {
    await send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exitCode = 1;
  } finally {
    process.disconnect?.();
  }
}

if (process.argv.includes(CHILD_FLAG) && process.send) await runAsChild();
