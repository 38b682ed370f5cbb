import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/core/actor.js';
import { EMPTY_STAGE_RESULT } from '../../src/core/stage.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { completeTask } from '../../src/core/use-cases/complete-task.js';
import { reapExpiredLeases } from '../../src/core/use-cases/reap-expired-leases.js';
import { submitTask } from '../../src/core/use-cases/submit-task.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createLibsqlStores } from '../../src/db/stores.js';
import { coreDepsFor } from '../helpers/core-deps.js';
import { runJsonChild } from '../helpers/json-child.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

const CHILD = fileURLToPath(new URL('../helpers/claimer-child.ts', import.meta.url));
const CLAIMERS = 20;
const TASKS = 400;
const owner = { id: 'owner', role: 'owner' as const, channel: 'api' as const };
const runner = (id: string) => ({ id, role: 'runner' as const, channel: 'runner' as const });

interface ChildReport {
  runnerId: string;
  claimed: { id: string; token: number }[];
  refused: string[];
}

function runClaimer(dbPath: string, runnerId: string, startAt: number): Promise<ChildReport> {
  return runJsonChild<ChildReport>(CHILD, [dbPath, runnerId, String(startAt)]);
}

describe('claiming from one libSQL file', () => {
  let db: TempDb;
  beforeAll(async () => {
    db = await createTempDb();
  });
  afterAll(() => db.dispose());

  it(`${CLAIMERS} processes claim ${TASKS} tasks: each exactly once, no SQLITE_BUSY escapes`, async () => {
    const deps = coreDepsFor(createLibsqlStores(db.db));
    const submitted: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const r = await submitTask({
        deps,
        actor: owner,
        input: { draft: { kind: 'shell', host: 'local', argv: ['uptime'] } },
      });
      if (!r.ok) throw new Error(r.error.code);
      submitted.push(r.value.task.id);
    }
    // Processes take a moment to boot under tsx; a shared start time makes them overlap.
    const startAt = Date.now() + 4_000;
    const reports = await Promise.all(
      Array.from({ length: CLAIMERS }, (_, i) => runClaimer(db.path, `runner-${i}`, startAt)),
    );
    const claimedIds = reports.flatMap((r) => r.claimed.map((c) => c.id));
    expect(claimedIds).toHaveLength(TASKS);
    expect(new Set(claimedIds).size).toBe(TASKS);
    expect([...claimedIds].sort()).toEqual([...submitted].sort());
    expect(reports.flatMap((r) => r.refused)).toEqual([]);
    // More than one process really took part.
    expect(reports.filter((r) => r.claimed.length > 0).length).toBeGreaterThan(1);
    const page = await deps.tasks.list({ limit: 100, status: ['queued', 'running', 'failed'] });
    expect(page.items).toEqual([]);
    const stages = await deps.stages.listByTask(submitted[0] ?? '');
    expect(stages).toHaveLength(1);
    expect(stages[0]?.outcome).toBe('succeeded');
  }, 120_000);

  it('refuses a completion with a stale fencing token after the lease was reaped and re-claimed', async () => {
    const clock = createFixedClock('2026-03-01T00:00:00.000Z');
    const deps = coreDepsFor(createLibsqlStores(db.db), { clock });
    const submitted = await submitTask({
      deps,
      actor: owner,
      input: { draft: { kind: 'shell', host: 'local', argv: ['uptime'] } },
    });
    if (!submitted.ok) throw new Error(submitted.error.code);
    // The runner stalls past its lease, the reaper declares the task lost, then the runner reports.
    const first = await claimNextTask({
      deps,
      actor: runner('slow'),
      input: { runnerId: 'slow', serves: ['local'] },
    });
    if (!first.ok || !first.value) throw new Error('no claim');
    clock.advance(31_000);
    const reaped = await reapExpiredLeases({ deps, actor: SYSTEM_ACTOR, input: {} });
    expect(reaped.ok && reaped.value.lost).toEqual([first.value.task.id]);
    const late = await completeTask({
      deps,
      actor: runner('slow'),
      input: {
        taskId: first.value.task.id,
        fencingToken: first.value.lease.fencingToken,
        outcome: 'succeeded',
        result: EMPTY_STAGE_RESULT,
      },
    });
    expect(late).toEqual({ ok: false, error: { code: 'lease_lost', taskId: first.value.task.id } });
    expect((await deps.tasks.get(first.value.task.id))?.status).toBe('lost');
  });
});
