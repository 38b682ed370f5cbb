import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profiler, Runtime } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import type { Client, InArgs, InStatement, TransactionMode } from '@libsql/client';
import type { Actor } from '../src/core/actor.js';
import { DEFAULT_APPROVAL_POLICY } from '../src/core/approval-policy.js';
import { DEFAULT_BREAKER_LIMITS } from '../src/core/breaker.js';
import { DEFAULT_LADDER } from '../src/core/escalation.js';
import { DEFAULT_LEASE_S, DEFAULT_MAX_ATTEMPTS, type CoreDeps } from '../src/core/deps.js';
import type { Notifier } from '../src/core/ports/notifier.js';
import { EMPTY_STAGE_RESULT, type StageResult } from '../src/core/stage.js';
import type { TaskDraft } from '../src/core/task-draft.js';
import { claimNextTask } from '../src/core/use-cases/claim-next-task.js';
import { completeTask } from '../src/core/use-cases/complete-task.js';
import { submitTask } from '../src/core/use-cases/submit-task.js';
import { openDatabase, type DatabaseHandle } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrate.js';
import { createLibsqlStores } from '../src/db/stores.js';
import { readMigrations } from '../src/entry/migrations.js';
import { systemClock, uuidV7Ids } from '../src/entry/system-ports.js';
import { median, percentile } from './stats.js';

export interface BenchOptions {
  readonly warmupCycles: number;
  readonly rounds: number;
  readonly cyclesPerRound: number;
  /** One extra switchboard round under the CPU profiler; not part of the throughput figures. */
  readonly profileCycles: number;
}

/**
 * 5,000 measured cycles per path. At the ~300–400 cycles/s the switchboard path manages on a
 * 2-core VM (seeding included), 2,000-cycle rounds pushed the run past a minute.
 */
export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  warmupCycles: 200,
  rounds: 5,
  cyclesPerRound: 1_000,
  profileCycles: 1_000,
};

export type PathKey = 'baseline' | 'replay' | 'switchboard';

export interface Percentiles {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface PathResult {
  readonly key: PathKey;
  readonly label: string;
  /** Cycles per second of each measured round, in round order. */
  readonly roundRates: readonly number[];
  readonly medianRate: number;
  readonly cycle: Percentiles;
  readonly claim: Percentiles;
  readonly complete: Percentiles;
  /** SQL statements the path sends per cycle (not counting BEGIN/COMMIT). */
  readonly statementsPerCycle: number;
  /** Characters of SQL text per cycle. */
  readonly sqlCharsPerCycle: number;
}

/** Where the CPU went during the profiled switchboard round, as shares of all samples. */
export interface CpuBreakdown {
  readonly cycles: number;
  readonly buckets: readonly { readonly bucket: CpuBucket; readonly share: number }[];
  readonly topFunctions: readonly { readonly name: string; readonly share: number }[];
}

export type CpuBucket = 'sqlite' | 'drizzle' | 'libsqlJs' | 'app' | 'gc' | 'other';

export interface ClaimCompleteResult {
  readonly options: BenchOptions;
  readonly baseline: PathResult;
  readonly replay: PathResult;
  readonly switchboard: PathResult;
  readonly cpu: CpuBreakdown;
  readonly elapsedMs: number;
}

/** One queue drained to empty: the wall time and each cycle's split. */
interface Drain {
  readonly cycles: number;
  readonly totalMs: number;
  readonly claimMs: readonly number[];
  readonly completeMs: readonly number[];
}

/** How much SQL one cycle sends. */
interface SqlShape {
  readonly statements: number;
  readonly chars: number;
}

interface Subject {
  readonly key: PathKey;
  readonly label: string;
  readonly sqlPerCycle: () => SqlShape;
  seed(n: number): Promise<void>;
  drain(): Promise<Drain>;
  verify(expected: number): Promise<void>;
}

const SUBMITTER: Actor = { id: 'bench-owner', role: 'owner', channel: 'cli' };
const RUNNER: Actor = { id: 'runner-1', role: 'runner', channel: 'runner' };
// Read-only under the default allow list, so submitTask queues it without an approval gate.
const DRAFT: TaskDraft = { kind: 'shell', host: 'local', argv: ['git', 'status'] };
const RESULT: StageResult = { ...EMPTY_STAGE_RESULT, exitCode: 0 };
const SILENT: Notifier = { notify: async () => {} };

/** What a run opened, so it is closed and deleted however the run ends. */
interface Scratch {
  readonly dirs: string[];
  readonly handles: DatabaseHandle[];
}

/** A fresh libSQL file in its own temp dir, opened exactly as the app opens it (same pragmas). */
async function openTempFile(scratch: Scratch, name: string): Promise<DatabaseHandle> {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-bench-${name}-`));
  scratch.dirs.push(dir);
  const handle = await openDatabase({ url: `file:${join(dir, 'bench.db')}` });
  scratch.handles.push(handle);
  return handle;
}

function cleanUp(scratch: Scratch): void {
  for (const handle of scratch.handles) handle.close();
  for (const dir of scratch.dirs) rmSync(dir, { recursive: true, force: true });
}

function unwrap<T>(
  result: { ok: true; value: T } | { ok: false; error: unknown },
  what: string,
): T {
  if (result.ok) return result.value;
  throw new Error(`${what} failed: ${JSON.stringify(result.error)}`);
}

function fail(message: string): never {
  throw new Error(`claim-complete bench: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// The switchboard path: real use cases over the real libSQL stores.

interface RecordedBatch {
  readonly stmts: (InStatement | [string, InArgs?])[];
  readonly mode: TransactionMode | undefined;
}

/** The switchboard path, plus the exact batches it sent so the replay path can resend them. */
interface SwitchboardSubject extends Subject {
  takeSeedLog(): RecordedBatch[];
  takeDrainLog(): RecordedBatch[][];
}

/**
 * Taps `client.batch` (drizzle's only way to the database on these paths) to keep what it was
 * sent. The tap is synchronous and only pushes a reference, so it adds no await to the cycle.
 */
function tapBatches(client: Client): { sink: RecordedBatch[] } {
  const tap = { sink: [] as RecordedBatch[] };
  const original = client.batch.bind(client);
  client.batch = (stmts, mode) => {
    tap.sink.push({ stmts, mode });
    return original(stmts, mode);
  };
  return tap;
}

async function createSwitchboardSubject(scratch: Scratch): Promise<SwitchboardSubject> {
  const handle = await openTempFile(scratch, 'switchboard');
  await applyMigrations(handle.client, readMigrations());
  const tap = tapBatches(handle.client);
  const deps: CoreDeps = {
    ...createLibsqlStores(handle.db),
    clock: systemClock,
    ids: uuidV7Ids,
    notifier: SILENT,
    policy: DEFAULT_APPROVAL_POLICY,
    catalog: {
      hosts: ['local'],
      executors: [],
      repos: [],
      templates: [],
      defaultExecutor: null,
      defaultTimeoutS: 180,
    },
    vocabulary: {
      hosts: [{ name: 'local', aliases: [] }],
      repos: [],
      executors: [],
      templates: [],
      defaultExecutor: null,
    },
    breakerLimits: DEFAULT_BREAKER_LIMITS,
    ladder: DEFAULT_LADDER,
    leaseS: DEFAULT_LEASE_S,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
  };
  let seedLog: RecordedBatch[] = [];
  let drainLog: RecordedBatch[][] = [];

  return {
    key: 'switchboard',
    label: 'switchboard (use cases + drizzle + libSQL)',
    sqlPerCycle: () => sqlShape(drainLog),
    async seed(n) {
      tap.sink = seedLog = [];
      for (let i = 0; i < n; i++) {
        const { task } = unwrap(
          await submitTask({ deps, actor: SUBMITTER, input: { draft: DRAFT } }),
          'submitTask',
        );
        if (task.status !== 'queued') fail(`seeded task is ${task.status}, not queued`);
      }
    },
    async drain() {
      drainLog = [];
      const claimMs: number[] = [];
      const completeMs: number[] = [];
      const start = performance.now();
      for (;;) {
        tap.sink = [];
        drainLog.push(tap.sink);
        const t0 = performance.now();
        const claim = unwrap(
          await claimNextTask({
            deps,
            actor: RUNNER,
            input: { runnerId: RUNNER.id, serves: ['local'] },
          }),
          'claimNextTask',
        );
        const t1 = performance.now();
        if (!claim) break;
        unwrap(
          await completeTask({
            deps,
            actor: RUNNER,
            input: {
              taskId: claim.task.id,
              fencingToken: claim.lease.fencingToken,
              outcome: 'succeeded',
              result: RESULT,
            },
          }),
          'completeTask',
        );
        claimMs.push(t1 - t0);
        completeMs.push(performance.now() - t1);
      }
      return { cycles: claimMs.length, totalMs: performance.now() - start, claimMs, completeMs };
    },
    verify: (expected) => verifySwitchboardSchema(handle.client, expected, 'switchboard'),
    takeSeedLog: () => seedLog,
    takeDrainLog: () => drainLog,
  };
}

const sqlText = (stmt: InStatement | [string, InArgs?]): string =>
  typeof stmt === 'string' ? stmt : Array.isArray(stmt) ? stmt[0] : stmt.sql;

/** SQL per completed cycle, from what was actually sent (the final, empty claim aside). */
function sqlShape(drainLog: readonly (readonly RecordedBatch[])[]): SqlShape {
  const batches = drainLog.filter((segment) => segment.length === 2).flat();
  const cycles = batches.length / 2;
  if (cycles === 0) return { statements: 0, chars: 0 };
  const all = batches.flatMap((batch) => batch.stmts);
  const chars = all.reduce((n, stmt) => n + sqlText(stmt).length, 0);
  return { statements: all.length / cycles, chars: chars / cycles };
}

/** Every task succeeded, each with one finished stage and its three audit rows. */
async function verifySwitchboardSchema(client: Client, expected: number, path: string) {
  const rs = await client.execute(`SELECT
      (SELECT count(*) FROM tasks) AS tasks,
      (SELECT count(*) FROM tasks WHERE status = 'succeeded' AND fencing_token = 1) AS succeeded,
      (SELECT count(*) FROM stages WHERE outcome = 'succeeded' AND exit_code = 0) AS stages,
      (SELECT count(*) FROM audit_log) AS audit`);
  const row = rs.rows[0] ?? fail(`${path}: verification query returned nothing`);
  const counts = {
    tasks: Number(row['tasks']),
    succeeded: Number(row['succeeded']),
    stages: Number(row['stages']),
    audit: Number(row['audit']),
  };
  const want = { tasks: expected, succeeded: expected, stages: expected, audit: 3 * expected };
  if (JSON.stringify(counts) !== JSON.stringify(want)) {
    fail(`${path}: expected ${JSON.stringify(want)}, found ${JSON.stringify(counts)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The replay path: the switchboard's own SQL, resent through the same client with no drizzle and
// no use-case code. Its gap to the baseline is the SQL we ask for; the switchboard's gap to it
// is the JavaScript around that SQL.

async function createReplaySubject(scratch: Scratch, source: SwitchboardSubject): Promise<Subject> {
  const handle = await openTempFile(scratch, 'replay');
  const { client } = handle;
  await applyMigrations(client, readMigrations());
  const send = (b: RecordedBatch) => client.batch(b.stmts, b.mode);
  return {
    key: 'replay',
    label: 'same SQL replayed on the client',
    sqlPerCycle: () => source.sqlPerCycle(),
    async seed() {
      // Same ids, timestamps and rows as the switchboard's seed, so the replayed claims pick
      // the same tasks in the same order.
      for (const batch of source.takeSeedLog()) await send(batch);
    },
    async drain() {
      const claimMs: number[] = [];
      const completeMs: number[] = [];
      const start = performance.now();
      for (const [claim, complete] of source.takeDrainLog()) {
        const t0 = performance.now();
        if (claim) await send(claim);
        const t1 = performance.now();
        if (!complete) break;
        await send(complete);
        claimMs.push(t1 - t0);
        completeMs.push(performance.now() - t1);
      }
      return { cycles: claimMs.length, totalMs: performance.now() - start, claimMs, completeMs };
    },
    verify: (expected) => verifySwitchboardSchema(client, expected, 'replay'),
  };
}

// ---------------------------------------------------------------------------------------------
// The baseline: the least SQL that is still a leased, fenced queue on one table.

const BASELINE_SCHEMA = [
  `CREATE TABLE jobs (id text PRIMARY KEY, status text NOT NULL, lease_expires_at text,
    fencing_token integer NOT NULL DEFAULT 0)`,
  // The same (status, id) index tasks has; without it every claim walks past the finished rows.
  'CREATE INDEX jobs_status_id ON jobs (status, id)',
];

const BASELINE_CLAIM = `UPDATE jobs SET status = 'running', fencing_token = fencing_token + 1,
    lease_expires_at = ?
  WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1)
  RETURNING id, fencing_token`;

const BASELINE_COMPLETE = "UPDATE jobs SET status = 'succeeded' WHERE id = ? AND fencing_token = ?";

async function createBaselineSubject(scratch: Scratch): Promise<Subject> {
  const handle = await openTempFile(scratch, 'baseline');
  const { client } = handle;
  for (const sql of BASELINE_SCHEMA) await client.execute(sql);
  return {
    key: 'baseline',
    label: 'baseline: raw SQL, one table',
    sqlPerCycle: () => ({ statements: 2, chars: BASELINE_CLAIM.length + BASELINE_COMPLETE.length }),
    async seed(n) {
      const inserts = Array.from({ length: n }, () => ({
        sql: "INSERT INTO jobs (id, status) VALUES (?, 'queued')",
        args: [uuidV7Ids.next()],
      }));
      await client.batch(inserts, 'write');
    },
    async drain() {
      const claimMs: number[] = [];
      const completeMs: number[] = [];
      const start = performance.now();
      for (;;) {
        const t0 = performance.now();
        const leaseExpiresAt = new Date(Date.now() + DEFAULT_LEASE_S * 1000).toISOString();
        const rs = await client.execute({ sql: BASELINE_CLAIM, args: [leaseExpiresAt] });
        const t1 = performance.now();
        const row = rs.rows[0];
        if (!row) break;
        const done = await client.execute({
          sql: BASELINE_COMPLETE,
          args: [row['id'] ?? null, row['fencing_token'] ?? null],
        });
        if (done.rowsAffected !== 1) fail(`baseline: completing ${String(row['id'])} missed`);
        claimMs.push(t1 - t0);
        completeMs.push(performance.now() - t1);
      }
      return { cycles: claimMs.length, totalMs: performance.now() - start, claimMs, completeMs };
    },
    async verify(expected) {
      const rs = await client.execute(`SELECT count(*) AS jobs,
        count(*) FILTER (WHERE status = 'succeeded' AND fencing_token = 1) AS succeeded FROM jobs`);
      const row = rs.rows[0] ?? fail('baseline: verification query returned nothing');
      if (Number(row['jobs']) !== expected || Number(row['succeeded']) !== expected) {
        fail(`baseline: expected ${expected} succeeded jobs, found ${JSON.stringify(row)}`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Profiling: which layer the switchboard cycle's CPU time is spent in.

/** Self time is charged to the code that ran, so a frame's file says which layer it is. */
function bucketOf(frame: Runtime.CallFrame): CpuBucket | null {
  const { url, functionName } = frame;
  if (functionName === '(idle)') return null;
  if (functionName === '(garbage collector)') return 'gc';
  if (url.includes('/node_modules/drizzle-orm/')) return 'drizzle';
  if (url.includes('/node_modules/@libsql/') || url.includes('/node_modules/libsql/')) {
    return 'libsqlJs';
  }
  if (url.includes('/src/') && !url.includes('node_modules')) {
    return 'app';
  }
  // Native frames have no script; on this path they are libsql's Rust binding stepping SQLite.
  if (url === '' && functionName !== '(program)' && functionName !== '(root)') return 'sqlite';
  return 'other';
}

const frameName = (frame: Runtime.CallFrame): string => {
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/');
  return `${frame.functionName || '(anonymous)'}${file ? ` (${file})` : ''}`;
};

function summariseProfile(profile: Profiler.Profile, cycles: number): CpuBreakdown {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byBucket = new Map<CpuBucket, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  samples.forEach((id, i) => {
    const frame = frames.get(id);
    const bucket = frame ? bucketOf(frame) : null;
    if (!frame || !bucket) return;
    const dt = profile.timeDeltas?.[i] ?? 0;
    total += dt;
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + dt);
    byFunction.set(frameName(frame), (byFunction.get(frameName(frame)) ?? 0) + dt);
  });
  const shares = <K>(m: Map<K, number>) =>
    [...m]
      .map(([key, t]) => ({ key, share: total ? t / total : 0 }))
      .sort((a, b) => b.share - a.share);
  return {
    cycles,
    buckets: shares(byBucket).map(({ key, share }) => ({ bucket: key, share })),
    topFunctions: shares(byFunction)
      .slice(0, 6)
      .map(({ key, share }) => ({ name: key, share })),
  };
}

/** Seeds, then drains under V8's sampling profiler (100 µs interval). */
async function profileRound(subject: Subject, cycles: number): Promise<CpuBreakdown> {
  await subject.seed(cycles);
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const drain = await subject.drain();
    const { profile } = await session.post('Profiler.stop');
    if (drain.cycles !== cycles) fail(`${subject.key}: drained ${drain.cycles} of ${cycles} tasks`);
    return summariseProfile(profile, cycles);
  } finally {
    session.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Running and summarising.

function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

/**
 * Seeds (untimed) and drains (timed) one subject, checking that every seeded task came out.
 * The drain's time includes the final claim that finds the queue empty, on every path alike.
 */
async function runRound(subject: Subject, cycles: number): Promise<Drain> {
  await subject.seed(cycles);
  const drain = await subject.drain();
  if (drain.cycles !== cycles) fail(`${subject.key}: drained ${drain.cycles} of ${cycles} tasks`);
  return drain;
}

function summarise(subject: Subject, drains: readonly Drain[]): PathResult {
  const roundRates = drains.map((d) => (d.cycles / d.totalMs) * 1000);
  const claimMs = drains.flatMap((d) => d.claimMs);
  const completeMs = drains.flatMap((d) => d.completeMs);
  return {
    key: subject.key,
    label: subject.label,
    roundRates,
    medianRate: median(roundRates),
    cycle: percentiles(claimMs.map((ms, i) => ms + (completeMs[i] ?? 0))),
    claim: percentiles(claimMs),
    complete: percentiles(completeMs),
    statementsPerCycle: subject.sqlPerCycle().statements,
    sqlCharsPerCycle: subject.sqlPerCycle().chars,
  };
}

/**
 * Runs the three paths round by round, interleaved, so drift on the machine (thermal, other
 * load) hits all of them alike. The replay follows the switchboard because it resends what
 * the switchboard just sent.
 */
export async function runClaimCompleteBench(
  options: BenchOptions = DEFAULT_BENCH_OPTIONS,
  log: (line: string) => void = () => {},
): Promise<ClaimCompleteResult> {
  const started = performance.now();
  const scratch: Scratch = { dirs: [], handles: [] };
  try {
    const baseline = await createBaselineSubject(scratch);
    const switchboard = await createSwitchboardSubject(scratch);
    const replay = await createReplaySubject(scratch, switchboard);
    const subjects = [baseline, switchboard, replay];

    const drains = new Map<PathKey, Drain[]>(subjects.map((s) => [s.key, []]));
    for (let round = 0; round <= options.rounds; round++) {
      const warmup = round === 0;
      const cycles = warmup ? options.warmupCycles : options.cyclesPerRound;
      for (const subject of subjects) {
        const drain = await runRound(subject, cycles);
        if (!warmup) drains.get(subject.key)?.push(drain);
        const rate = Math.round((drain.cycles / drain.totalMs) * 1000);
        log(`${warmup ? 'warm-up' : `round ${round}`}  ${subject.key.padEnd(11)} ${rate} cycles/s`);
      }
    }

    // After the measured rounds, so profiling cannot disturb them; the replay has no such round.
    const cpu = await profileRound(switchboard, options.profileCycles);
    log(`profiled ${options.profileCycles} switchboard cycles`);

    const measured = options.warmupCycles + options.rounds * options.cyclesPerRound;
    await baseline.verify(measured);
    await replay.verify(measured);
    await switchboard.verify(measured + options.profileCycles);
    const result = (subject: Subject) => summarise(subject, drains.get(subject.key) ?? []);
    return {
      options,
      baseline: result(baseline),
      replay: result(replay),
      switchboard: result(switchboard),
      cpu,
      elapsedMs: performance.now() - started,
    };
  } finally {
    cleanUp(scratch);
  }
}
