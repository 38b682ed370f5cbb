import { Bot, webhookCallback } from 'grammy';
import { Hono } from 'hono';
import { createUpdateIntake } from '../src/bot/intake.js';
import { SILENT_LOGGER } from '../src/core/ports/logger.js';
import { createLibsqlChatStores } from '../src/db/repositories/chat-stores.js';
import { TEST_BOT_INFO } from '../test/helpers/telegram-fixtures.js';
import { benchGateway, closeServer, listen, runWorker } from './bench-gateway.js';
import { median, percentile } from './stats.js';

export interface TelegramBenchOptions {
  readonly rounds: number;
  /** Closed loop: this many updates per round, this many connections. */
  readonly perRound: number;
  readonly concurrency: number;
  /** Open loop: a fixed rate for a bounded count. */
  readonly ratePerS: number;
  readonly rateCount: number;
}

export const DEFAULT_TELEGRAM_BENCH_OPTIONS: TelegramBenchOptions = {
  rounds: 3,
  perRound: 4_000,
  concurrency: 32,
  ratePerS: 1_000,
  rateCount: 5_000,
};

export interface IntakePath {
  readonly rates: readonly number[];
  readonly rate: number;
  readonly fixedRate: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly non200: number;
}

export interface TelegramBenchResult {
  readonly options: TelegramBenchOptions;
  readonly baseline: IntakePath;
  readonly switchboard: IntakePath;
  /** Rows in telegram_updates afterwards, and how many distinct updates were sent. */
  readonly stored: number;
  readonly sent: number;
}

const SECRET = 'bench-secret-0123456789';

interface LoadResult {
  elapsedMs: number;
  latencies: number[];
  statuses: Record<string, number>;
}

const load = (data: {
  url: string;
  firstId: number;
  count: number;
  concurrency: number;
  ratePerS?: number;
}) =>
  runWorker<LoadResult>(new URL('./webhook-load.mjs', import.meta.url), {
    secret: SECRET,
    ratePerS: 0,
    ...data,
  });

/** Webhook intake: the real gateway storing each update in libSQL vs grammY's bare webhookCallback. */
export async function runTelegramBench(
  o: TelegramBenchOptions = DEFAULT_TELEGRAM_BENCH_OPTIONS,
  log: (line: string) => void = () => {},
): Promise<TelegramBenchResult> {
  // The bot's own work is not measured: the intake stores, acknowledges and marks handled.
  let intake: ReturnType<typeof createUpdateIntake> | undefined;
  const { handle, app } = await benchGateway('bench-admin-token-0123456789', (h, core) => {
    intake = createUpdateIntake({
      inbox: createLibsqlChatStores(h.db).inbox,
      clock: core.clock,
      log: SILENT_LOGGER,
      handle: async () => {},
    });
    const accept = intake.accept;
    return { secret: SECRET, accept: (u) => accept(u) };
  });
  const bot = new Bot('1:bench', { botInfo: TEST_BOT_INFO });
  const bare = new Hono().post(
    '/telegram/webhook',
    webhookCallback(bot, 'hono', { secretToken: SECRET }),
  );
  const [sb, base] = await Promise.all([
    listen(app.fetch, '/telegram/webhook'),
    listen(bare.fetch, '/telegram/webhook'),
  ]);
  let nextId = 1;
  const paths = {
    baseline: { url: base.url, rates: [] as number[], non200: 0 },
    switchboard: { url: sb.url, rates: [] as number[], non200: 0 },
  };
  const non200 = (s: Record<string, number>) =>
    Object.entries(s).reduce((n, [k, v]) => (k === '200' ? n : n + v), 0);
  try {
    // Warm-up: JIT, connections, the database file.
    for (const p of Object.values(paths))
      await load({
        url: p.url,
        firstId: (nextId += 2_000) - 2_000,
        count: 2_000,
        concurrency: o.concurrency,
      });
    for (let round = 0; round < o.rounds; round++) {
      for (const [name, p] of Object.entries(paths)) {
        const r = await load({
          url: p.url,
          firstId: nextId,
          count: o.perRound,
          concurrency: o.concurrency,
        });
        nextId += o.perRound;
        p.rates.push((o.perRound * 1000) / r.elapsedMs);
        p.non200 += non200(r.statuses);
        log(
          `  round ${round + 1} ${name}: ${Math.round((o.perRound * 1000) / r.elapsedMs)} updates/s`,
        );
      }
    }
    const fixed: Record<string, IntakePath['fixedRate']> = {};
    for (const [name, p] of Object.entries(paths)) {
      const r = await load({
        url: p.url,
        firstId: nextId,
        count: o.rateCount,
        concurrency: 256,
        ratePerS: o.ratePerS,
      });
      nextId += o.rateCount;
      p.non200 += non200(r.statuses);
      const sorted = [...r.latencies].sort((a, b) => a - b);
      fixed[name] = {
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? 0,
      };
      log(
        `  ${o.ratePerS}/s ${name}: p50 ${fixed[name].p50.toFixed(2)} ms, p99 ${fixed[name].p99.toFixed(2)} ms`,
      );
    }
    await intake?.idle();
    const rows = await handle.client.execute(
      'SELECT count(*) AS n, count(DISTINCT update_id) AS d FROM telegram_updates',
    );
    const path = (name: 'baseline' | 'switchboard'): IntakePath => ({
      rates: paths[name].rates,
      rate: median(paths[name].rates),
      fixedRate: fixed[name]!,
      non200: paths[name].non200,
    });
    // Only the switchboard path stores; every id it was sent must be there once.
    const sent = countSwitchboardIds(o);
    const stored = Number(rows.rows[0]?.d);
    const handled = await handle.client.execute(
      "SELECT count(*) AS n FROM telegram_updates WHERE status = 'done'",
    );
    // A bench that loses or refuses updates has measured the wrong thing: fail it.
    if (
      stored !== sent ||
      Number(rows.rows[0]?.n) !== sent ||
      Number(handled.rows[0]?.n) !== sent
    ) {
      throw new Error(
        `updates lost: sent ${sent}, stored ${stored}, handled ${String(handled.rows[0]?.n)}`,
      );
    }
    if (paths.switchboard.non200 || paths.baseline.non200) {
      throw new Error(
        `non-200 answers: ${paths.switchboard.non200} switchboard, ${paths.baseline.non200} baseline`,
      );
    }
    return {
      options: o,
      baseline: path('baseline'),
      switchboard: path('switchboard'),
      stored,
      sent,
    };
  } finally {
    await Promise.all([closeServer(sb.server), closeServer(base.server)]);
    await intake?.stop();
    handle.close();
  }
}

/** Ids the switchboard path received: its warm-up, its rounds and its fixed-rate run. */
const countSwitchboardIds = (o: TelegramBenchOptions) =>
  2_000 + o.rounds * o.perRound + o.rateCount;

const P99_TARGET_MS = 50;
const RATE_TARGET = 0.5;

export function renderTelegramSection(r: TelegramBenchResult): string {
  const o = r.options;
  const ratio = r.switchboard.rate / r.baseline.rate;
  const f = (n: number) => n.toFixed(2);
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  return `## Telegram webhook intake

\`bench/telegram.ts\` (\`npx tsx bench/run.ts --only telegram\` reruns just this section).
Switchboard: the real gateway (\`createApp\`) with \`POST /telegram/webhook\`: secret header
checked in constant time, JSON parsed, the update stored in \`telegram_updates\` on a libSQL
file (one \`INSERT … ON CONFLICT DO NOTHING RETURNING\`), then 200; the intake then hands it to a
no-op handler and marks it handled (another write, after the answer). Baseline: a bare Hono app
with grammY's \`webhookCallback(bot, 'hono', { secretToken })\` and a bot with no handlers.
Load comes from a worker thread (keep-alive HTTP/1.1, realistic ~430-byte message updates).
Throughput: ${o.concurrency} connections, ${int(o.perRound)} updates per round, ${o.rounds} rounds,
paths in turn, median round. Latency: an open loop at ${int(o.ratePerS)} updates/s for ${int(o.rateCount)} updates,
measured from when each update was due (so falling behind shows).

| Path | Updates/s (median) | Rounds | p50 at ${int(o.ratePerS)}/s | p99 at ${int(o.ratePerS)}/s | max | non-200 |
| --- | --- | --- | --- | --- | --- | --- |
| baseline: Hono + grammY webhookCallback, no-op | ${int(r.baseline.rate)} | ${r.baseline.rates.map(int).join(', ')} | ${f(r.baseline.fixedRate.p50)} ms | ${f(r.baseline.fixedRate.p99)} ms | ${f(r.baseline.fixedRate.max)} ms | ${r.baseline.non200} |
| **switchboard: verify, store, acknowledge** | **${int(r.switchboard.rate)}** | ${r.switchboard.rates.map(int).join(', ')} | ${f(r.switchboard.fixedRate.p50)} ms | **${f(r.switchboard.fixedRate.p99)} ms** | ${f(r.switchboard.fixedRate.max)} ms | ${r.switchboard.non200} |

- **Throughput:** ${ratio.toFixed(2)}× the bare baseline (target ≥ ${RATE_TARGET}×, ${ratio >= RATE_TARGET ? 'met' : '**missed**'}).
- **Ack latency at ${int(o.ratePerS)} updates/s:** p99 ${f(r.switchboard.fixedRate.p99)} ms (target ≤ ${P99_TARGET_MS} ms, ${r.switchboard.fixedRate.p99 <= P99_TARGET_MS ? 'met' : '**missed**'}).
- **Where the time goes:** everything the baseline does (Hono, the body, JSON) plus a durable
  write before the 200 and a second one (the handled mark) after it. Writes made in the same
  turn of the event loop are committed together (one multi-row \`INSERT … ON CONFLICT DO NOTHING
  RETURNING\`; the marks as one \`UPDATE … WHERE update_id IN (…)\`). Measured while building it:
  one statement and commit per update ran at 0.27× of the baseline; grouping them, 0.47×; plain
  SQL instead of drizzle's per-row value mapping on this hot path (about 6% of a CPU profile of
  the run), 0.48–0.53× (run to run); serving the webhook ahead of the gateway-wide request-id
  and security-header middleware (which only browsers use), 0.53–0.67×. Most of the rest was
  the body limit: Hono's \`bodyLimit\` counts every body as a stream, which on Node builds a web
  \`Request\` and stream per request (the route alone, storing nothing, ran at 1.02× of the
  baseline; with \`bodyLimit\`, 0.58×). The gateway now checks a declared Content-Length by its
  number and counts only bodies without one.
- **Tail latency is noisy here:** across the runs made while building this (same code, same
  2-core VM) the switchboard p99 at 1,000/s ranged from 12 to 79 ms while the baseline's stayed
  at 4–17 ms. The stalls are not WAL checkpoints (with \`wal_autocheckpoint = 0\` they remained);
  each update costs two synchronous libSQL writes on the event loop (the insert before the ack,
  the handled mark after), so any pause of the disk or the VM lands on acknowledgements queued
  behind it.
- **Nothing lost:** ${int(r.stored)} distinct updates stored of ${int(r.sent)} sent to switchboard (${r.stored === r.sent ? 'all, each once' : '**MISMATCH**'}).`;
}
