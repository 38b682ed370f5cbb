import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayPeriod, freshBreaker } from '../../src/core/breaker.js';
import { createLibsqlStores } from '../../src/db/stores.js';
import { aTask } from '../helpers/builders.js';
import { runJsonChild } from '../helpers/json-child.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

const CHILD = fileURLToPath(new URL('../helpers/budget-claimer-child.ts', import.meta.url));
const CLAIMERS = 10;
const TASKS = 300;
// $19.80 of $20 spent (99 %): room for exactly 200 reservations of $0.001.
const ESTIMATE = 0.001;
const FIT = 200;

interface Report {
  runnerId: string;
  claimed: string[];
  blocked: string[];
}

function runClaimer(dbPath: string, runnerId: string, startAt: number): Promise<Report> {
  return runJsonChild<Report>(CHILD, [dbPath, runnerId, String(startAt), String(ESTIMATE)]);
}

describe('the day breaker under concurrent dispatch (one libSQL file, many processes)', () => {
  let db: TempDb;
  beforeAll(async () => {
    db = await createTempDb();
  });
  afterAll(() => db.dispose());

  it(`${TASKS} concurrent dispatches at 99 % of the day's budget never overshoot it`, async () => {
    const stores = createLibsqlStores(db.db);
    const now = new Date().toISOString();
    const day = freshBreaker('day', dayPeriod(now), 20, now);
    await stores.breakers.save({ ...day, spentUsd: 19.8 });
    for (let i = 0; i < TASKS; i++) {
      const id = `t${String(i).padStart(3, '0')}`;
      await stores.tasks.create(
        aTask({ id, kind: 'agent', executor: 'codex', argv: null, prompt: 'p' }),
        null,
        [],
      );
    }
    const startAt = Date.now() + 6_000;
    const reports = await Promise.all(
      Array.from({ length: CLAIMERS }, (_, i) => runClaimer(db.path, `runner-${i}`, startAt)),
    );
    const claimed = reports.flatMap((r) => r.claimed);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(FIT);
    const blocked = reports.flatMap((r) => r.blocked);
    expect(blocked).toHaveLength(TASKS - FIT);
    expect(new Set([...claimed, ...blocked]).size).toBe(TASKS);
    // The processes really raced: more than one of them claimed.
    expect(reports.filter((r) => r.claimed.length > 0).length).toBeGreaterThan(1);
    const after = await stores.breakers.get(day.key);
    expect(after!.spentUsd + after!.reservedUsd).toBeLessThanOrEqual(20 + 1e-9);
    expect(after!.reservedUsd).toBeCloseTo(0.2, 9);
    const failed = await stores.tasks.list({ limit: 100, status: ['failed'] });
    expect(failed.nextCursor).toBeNull();
    expect(failed.items).toHaveLength(100);
    for (const t of failed.items.slice(0, 3)) {
      expect((await stores.stages.listByTask(t.id)).map((s) => s.errorClass)).toEqual([
        'blocked_by_breaker',
      ]);
    }
    expect(await stores.queue.depth()).toBe(0);
  }, 60_000);
});
