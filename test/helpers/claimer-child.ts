// One claimer process for the concurrency test: its own libSQL connection, claiming and
// completing until the queue is empty. Prints one JSON line; any escaped error exits 1.
import { openDatabase } from '../../src/db/client.js';
import { createLibsqlStores } from '../../src/db/stores.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { completeTask } from '../../src/core/use-cases/complete-task.js';
import { EMPTY_STAGE_RESULT } from '../../src/core/stage.js';
import { coreDepsFor } from './core-deps.js';

const [dbPath, runnerId, startAt] = process.argv.slice(2);
if (!dbPath || !runnerId || !startAt)
  throw new Error('usage: claimer-child <db> <runner-id> <start-at-ms>');

const handle = await openDatabase({ url: `file:${dbPath}` });
const deps = coreDepsFor(createLibsqlStores(handle.db));
const actor = { id: runnerId, role: 'runner' as const, channel: 'runner' as const };
// Start together so the claimers really overlap.
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const claimed: { id: string; token: number }[] = [];
const refused: string[] = [];
for (;;) {
  const claim = await claimNextTask({ deps, actor, input: { runnerId, serves: ['local'] } });
  if (!claim.ok) throw new Error(`claim refused: ${claim.error.code}`);
  if (!claim.value) break;
  const { task, lease } = claim.value;
  claimed.push({ id: task.id, token: lease.fencingToken });
  const done = await completeTask({
    deps,
    actor,
    input: {
      taskId: task.id,
      fencingToken: lease.fencingToken,
      outcome: 'succeeded',
      result: { ...EMPTY_STAGE_RESULT, exitCode: 0 },
    },
  });
  if (!done.ok) refused.push(`${task.id}:${done.error.code}`);
}
handle.close();
process.stdout.write(`${JSON.stringify({ runnerId, claimed, refused })}\n`);
