import { writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_BENCH_OPTIONS,
  runClaimCompleteBench,
  type ClaimCompleteResult,
  type CpuBreakdown,
  type CpuBucket,
  type PathResult,
} from './claim-complete.js';

// Regenerated on every run, so the committed file always matches the last measurement.
const OUT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const TARGET_CYCLES_PER_S = 2_000;

interface Machine {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly os: string;
}

function describeMachine(): Machine {
  const all = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: all[0]?.model.trim() ?? 'unknown',
    cores: all.length,
    os: `${platform()} ${release()}`,
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => `${n.toFixed(3)} ms`;
const us = (n: number): string => `${int(n)} µs`;
const pct = (part: number, whole: number): string => `${Math.round((part / whole) * 100)}%`;
const usPerCycle = (p: PathResult): number => 1e6 / p.medianRate;

function tableRow(p: PathResult, baseline: PathResult): string {
  const range = `${int(Math.min(...p.roundRates))}–${int(Math.max(...p.roundRates))}`;
  return [
    p.label,
    `**${int(p.medianRate)}**`,
    range,
    ms(p.cycle.p50Ms),
    ms(p.cycle.p99Ms),
    ms(p.claim.p50Ms),
    ms(p.complete.p50Ms),
    `${p.statementsPerCycle} / ${int(p.sqlCharsPerCycle)}`,
    `${(p.medianRate / baseline.medianRate).toFixed(2)}×`,
  ].join(' | ');
}

function renderTable(r: ClaimCompleteResult): string {
  const header = [
    'Path',
    'Median cycles/s',
    'Rounds min–max',
    'Cycle p50',
    'Cycle p99',
    'Claim p50',
    'Complete p50',
    'SQL stmts / chars per cycle',
    'vs baseline',
  ];
  const rows = [r.baseline, r.replay, r.switchboard].map((p) => tableRow(p, r.baseline));
  return [header, header.map(() => '---'), ...rows.map((row) => [row])]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}

function verdict(r: ClaimCompleteResult, machine: Machine): string {
  const rate = r.switchboard.medianRate;
  const met = rate >= TARGET_CYCLES_PER_S;
  return (
    `**Target:** ≥ ${int(TARGET_CYCLES_PER_S)} cycles/s on a 2-core machine ` +
    `(for scale: SQLite-backed queues such as goqite report 12–18k messages/s). ` +
    `**This run:** ${int(rate)} cycles/s on ${machine.cores} cores — ` +
    `${met ? 'target met' : 'below target'}. ` +
    `Ratio switchboard / baseline: **${(rate / r.baseline.medianRate).toFixed(2)}** ` +
    `(the switchboard path runs at ${pct(rate, r.baseline.medianRate)} of the raw-SQL floor).`
  );
}

const BUCKET_LABELS: Record<CpuBucket, string> = {
  sqlite: "native: SQLite inside libsql's Rust binding (prepare, step, index and WAL writes)",
  drizzle: 'drizzle-orm (building SQL, mapping rows)',
  libsqlJs: 'libsql binding JS wrappers and @libsql/client code',
  app: 'our use cases and repositories (+ uuid)',
  gc: 'garbage collector',
  other: 'other (Node internals, bench loop)',
};

const shareOf = (cpu: CpuBreakdown, bucket: CpuBucket): number =>
  cpu.buckets.find((b) => b.bucket === bucket)?.share ?? 0;

const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;

function renderCpuTable(cpu: CpuBreakdown): string {
  const rows = cpu.buckets.map((b) => `| ${BUCKET_LABELS[b.bucket]} | ${percent(b.share)} |`);
  const top = cpu.topFunctions.map((f) => `\`${f.name}\` ${percent(f.share)}`).join(', ');
  return [
    '| Layer (self time) | Share of CPU samples |',
    '| --- | --- |',
    ...rows,
    '',
    `Hottest functions: ${top}.`,
  ].join('\n');
}

/** "Where the time goes", from this run's per-cycle costs (1 / median rate) and CPU profile. */
function explain(r: ClaimCompleteResult): string {
  const floor = usPerCycle(r.baseline);
  const sql = usPerCycle(r.replay);
  const full = usPerCycle(r.switchboard);
  const s = r.switchboard;
  const cpu = r.cpu;
  const native = shareOf(cpu, 'sqlite');
  const client = shareOf(cpu, 'libsqlJs');
  return (
    `A baseline cycle costs ${us(floor)} on average: two autocommit UPDATEs on one narrow ` +
    `table. A switchboard cycle costs ${us(full)}. Its SQL is heavier: ` +
    `${s.statementsPerCycle} statements in 2 write transactions (claim: the guarded task ` +
    `UPDATE … RETURNING every column, then the stage and audit INSERT … SELECT tied to it by ` +
    `change_id; complete: the fenced task UPDATE … RETURNING, the stage UPDATE and the guarded ` +
    `audit INSERT), writing rows and index entries in three tables, ` +
    `${int(s.sqlCharsPerCycle)} characters of SQL against the baseline's ` +
    `${int(r.baseline.sqlCharsPerCycle)}. Every path keeps its prepared statements (the ` +
    `local client caches them) and the switchboard builds its hot statements once, so parsing ` +
    `and SQL building are off the hot path. Replaying exactly that SQL through the same client costs ` +
    `${us(sql)} per cycle, so the SQL we send accounts for ${us(sql - floor)} ` +
    `(${pct(sql - floor, full)} of a switchboard cycle) above the floor, and drizzle plus the ` +
    `use cases for the other ${us(full - sql)} (${pct(full - sql, full)}). A CPU profile of ` +
    `one extra switchboard round (${int(cpu.cycles)} cycles) splits it the same way from the ` +
    `inside: ${percent(native)} of samples in native code (SQLite), ` +
    `${percent(client)} in the libSQL JavaScript client and binding wrappers — together ` +
    `${percent(native + client)}, against the replay's ${pct(sql, full)} of cycle time — then ` +
    `${percent(shareOf(cpu, 'drizzle'))} in drizzle and ${percent(shareOf(cpu, 'app'))} in our ` +
    `own use cases and repositories. The switchboard's p99 (${ms(s.cycle.p99Ms)}) sits far ` +
    `above its p50 (${ms(s.cycle.p50Ms)}), against a baseline p99 of ` +
    `${ms(r.baseline.cycle.p99Ms)}: occasional multi-millisecond stalls, most likely WAL ` +
    `auto-checkpoints, which fsync under synchronous=NORMAL and come round more often the more ` +
    `pages a cycle dirties.`
  );
}

// Measured by hand while tuning; kept here so the next run's file still says where we came from.
const HISTORY = `### History

- **First version** (drizzle building every statement, \`@libsql/client\` preparing every
  statement afresh and reading its columns twice per call, four indexes on \`tasks\`):
  388 cycles/s against a baseline of 3,324 in the same run — ratio **0.12**.
- **Now**: a statement-caching client for local files (\`src/db/local-client.ts\`), hot
  statements compiled once with drizzle placeholders (\`src/db/repositories/prepared.ts\`), and
  the two task indexes that every write rewrote are gone — ratio shown above (0.20 when this was
  written: more than 3× the first version's cycles/s on a quiet machine).
- **What is left** is mostly the commits. Timed step by step on the raw binding, a claim batch
  is BEGIN 8 µs, the claim UPDATE 48 µs, the stage and audit INSERTs 17 and 14 µs, and COMMIT
  about 145 µs: each cycle commits two transactions that dirty about nine pages each (rows and
  index entries in \`tasks\`, \`stages\` and \`audit_log\`), and the WAL auto-checkpoints that
  follow fsync under synchronous=NORMAL (commit drops to ~83 µs with checkpoints off and ~50 µs
  with synchronous=OFF). Raising wal_autocheckpoint tenfold did not help. Keeping the audit and
  stage rows atomic with the state change, and durable, is the price; we keep it.`;

function renderMarkdown(r: ClaimCompleteResult, machine: Machine): string {
  const o = r.options;
  return `# Benchmarks

Throughput of the task queue at the heart of switchboard, measured against the least SQL that
could do the same job on the same machine. This file is written by \`bench/run.ts\`; rerun it
rather than editing by hand.

## How to run

\`\`\`sh
npm run bench
\`\`\`

- Date: ${machine.date}
- Node: ${machine.node} (${machine.os})
- CPU: ${machine.cpu}, ${machine.cores} cores
- Whole run: ${(r.elapsedMs / 1000).toFixed(1)} s

## Claim + complete cycles per second on a libSQL file

Each path gets a fresh temp dir and a local libSQL file opened by \`openDatabase\` (WAL,
synchronous=NORMAL, one connection with a busy timeout). A round seeds N queued tasks (not timed),
then times a loop that claims the oldest queued task and completes it with the fencing token it
got, until the queue is empty. One warm-up round of ${int(o.warmupCycles)} cycles, then ${o.rounds}
measured rounds of ${int(o.cyclesPerRound)} cycles; the three paths take turns round by round, and
afterwards every task must be \`succeeded\` (the bench fails otherwise).

- **baseline** — the database client alone (the one \`openDatabase\` returns) on \`jobs(id, status, lease_expires_at, fencing_token)\`
  with a \`(status, id)\` index: one \`UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING\` to
  claim, one fenced \`UPDATE\` to complete. No drizzle, no audit, no stage rows.
- **switchboard** — the real \`submitTask\` / \`claimNextTask\` / \`completeTask\` use cases over
  \`createLibsqlStores\`, the system clock and UUIDv7 ids, a no-op notifier.
- **same SQL replayed** — the exact batches the switchboard path sent (recorded by a
  synchronous tap on \`client.batch\`), resent on a third file through the same client: the
  switchboard's SQL without drizzle or use-case code. It separates the cost of the SQL from the
  cost of the JavaScript that produces it.

${renderTable(r)}

Cycles/s are the median of the rounds; latencies are over all measured cycles of a path.

${verdict(r, machine)}

### Where the time goes

${explain(r)}

${renderCpuTable(r.cpu)}

${HISTORY}
`;
}

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(
    `claim + complete bench — ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`,
  );
  const result = await runClaimCompleteBench(DEFAULT_BENCH_OPTIONS, (line) => console.log(line));
  const markdown = renderMarkdown(result, machine);
  writeFileSync(OUT, markdown);
  console.log(`\n${renderTable(result)}\n\n${verdict(result, machine)}\n`);
  console.log(`${renderCpuTable(result.cpu)}\n\nwrote ${OUT}`);
}

await main();
