// One claimer process for the breaker race: its own libSQL connection, claiming (and holding)
// agent tasks until the queue is empty, each claim reserving `estimate` on the day's breaker.
// Prints one JSON line; any escaped error exits 1.
import { DEFAULT_BREAKER_LIMITS } from '../../src/core/breaker.js';
import { createRecordingNotifier } from '../../src/core/fakes/recording-notifier.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { openDatabase } from '../../src/db/client.js';
import { createLibsqlStores } from '../../src/db/stores.js';
import { coreDepsFor } from './core-deps.js';

const [dbPath, runnerId, startAt, estimate] = process.argv.slice(2);
if (!dbPath || !runnerId || !startAt || !estimate)
  throw new Error('usage: budget-claimer-child <db> <runner-id> <start-at-ms> <estimate-usd>');

const handle = await openDatabase({ url: `file:${dbPath}` });
const notifier = createRecordingNotifier();
const deps = coreDepsFor(createLibsqlStores(handle.db), {
  notifier,
  breakerLimits: { ...DEFAULT_BREAKER_LIMITS, defaultEstimateUsd: Number(estimate) },
});
const actor = { id: runnerId, role: 'runner' as const, channel: 'runner' as const };
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const claimed: string[] = [];
for (;;) {
  const claim = await claimNextTask({ deps, actor, input: { runnerId, serves: ['local'] } });
  if (!claim.ok) throw new Error(`claim refused: ${claim.error.code}`);
  if (!claim.value) {
    if ((await deps.queue.depth()) === 0) break;
    continue;
  }
  claimed.push(claim.value.task.id);
}
handle.close();
// Tasks this process failed as blocked_by_breaker (the claim tells its notifier).
const blocked = notifier.events.flatMap((e) =>
  e.type === 'task.changed' && e.task.status === 'failed' ? [e.task.id] : [],
);
process.stdout.write(`${JSON.stringify({ runnerId, claimed, blocked })}\n`);
