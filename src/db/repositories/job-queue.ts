import { and, asc, count, eq, gt, isNull, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { Claim, ClaimRequest, DispatchBudget, JobQueue } from '../../core/ports/job-queue.js';
import { CONSENSUS_RUNG } from '../../core/escalation.js';
import { BLOCKED_BY_BREAKER } from '../../core/spend.js';
import { openStage } from '../../core/stage.js';
import type { Database } from '../client.js';
import { auditLog, circuitBreakers, stages, tasks } from '../schema.js';
import { bind, compile, rowMapper, type Compiled } from './prepared.js';
import { toTask } from './row-mappers.js';

const p = sql.placeholder;
// A placeholder as an update value (drizzle's set() takes SQL, not a bare placeholder).
const v = (name: string) => sql`${p(name)}`;
const mapTask = rowMapper(tasks);

// A task's estimate (core/breaker.ts estimateTaskUsd, in SQL): agents reserve, shell does not.
const estimate = sql`(case when ${tasks.kind} in ('agent', 'consensus') then coalesce(
  (select e.value from json_each(${p('estimates')}) e where e.key = ${tasks.executor}),
  ${p('defaultEstimate')}) else 0 end)`;
// core/breaker.ts fitsDay: the day's row has room for the estimate, or an owner overrode it.
// No row (it could not be written) means no room: the ledger fails closed.
const fits = sql`(${estimate} <= 0 or exists (select 1 from ${circuitBreakers} b
  where b.key = ${p('dayKey')} and (b.overridden_by is not null
  or b.spent_usd + b.reserved_usd + ${estimate} <= b.threshold_usd + 1e-9)))`;

function oldestQueued(db: Database, extra: SQL | undefined) {
  return db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(
        eq(tasks.status, 'queued'),
        // A pipeline is driven step by step (advance-pipelines); its steps are the runnable tasks.
        ne(tasks.kind, 'pipeline'),
        // A task on its consensus rung waits for its two sides (advance-consensus-rung.ts).
        sql`coalesce(${tasks.executor}, '') <> ${CONSENSUS_RUNG}`,
        isNull(tasks.deletedAt),
        sql`${tasks.host} in (select value from json_each(${p('hosts')}))`,
        extra,
      ),
    )
    .orderBy(asc(tasks.id))
    .limit(1);
}

/** Takes the task `next` picks, if it is still queued (and meets `extra`), for this claim. */
function takeOldest(db: Database, next: ReturnType<typeof oldestQueued>, extra: SQL | undefined) {
  return db
    .update(tasks)
    .set({
      status: 'running',
      attempts: sql`${tasks.attempts} + 1`,
      fencingToken: sql`${tasks.fencingToken} + 1`,
      leaseOwner: v('runnerId'),
      leaseExpiresAt: v('leaseExpiresAt'),
      updatedAt: v('now'),
      changeId: v('changeId'),
    })
    .where(and(eq(tasks.id, sql`(${next})`), eq(tasks.status, 'queued'), extra))
    .returning();
}

/** The claim: built once, then only bound (see prepared.ts). */
function compileClaim(db: Database, next: ReturnType<typeof oldestQueued>) {
  // The row this claim just took: running, and marked with this claim's change id.
  const mine = sql`${tasks.status} = 'running' and ${tasks.changeId} = ${p('changeId')}`;
  return {
    // A read first: most claims by an idle runner find nothing, and a read costs no write lock.
    peek: compile(next),
    // The same read for a budgeted claim: the oldest queued task's estimate, and whether it fits.
    peekFits: compile(
      db
        .select({
          id: tasks.id,
          fits: sql<number>`${fits}`.as('fits'),
          estimate: sql<number>`${estimate}`.as('estimate'),
        })
        .from(tasks)
        .where(eq(tasks.id, sql`(${next})`)),
    ),
    // One UPDATE … RETURNING picks and takes the oldest queued task: two claimers never get the same one.
    take: compile(takeOldest(db, next, undefined)),
    openStage: compile(
      db.insert(stages).select(
        sql`select ${p('stageId')}, ${tasks.id}, ${tasks.attempts}, ${tasks.fencingToken}, ${p('runnerId')},
          ${tasks.executor}, null, ${tasks.host}, 'running', null, null, null, null, 0, 0, 0,
          null, null, null, null, ${p('now')}, null, null, null, null from ${tasks} where ${mine}`,
      ),
    ),
    audit: compile(
      db.insert(auditLog).select(
        sql`select ${p('auditId')}, ${p('now')}, ${p('runnerId')}, 'runner', 'task.claimed', 'task:' || ${tasks.id},
          json_object('attempt', ${tasks.attempts}, 'fencing_token', ${tasks.fencingToken}) from ${tasks} where ${mine}`,
      ),
    ),
    heartbeat: compile(
      db
        .update(tasks)
        .set({ leaseExpiresAt: v('leaseExpiresAt') })
        .where(
          and(
            eq(tasks.id, p('taskId')),
            eq(tasks.status, 'running'),
            eq(tasks.fencingToken, p('fencingToken')),
            sql`(${p('runnerId')} is null or ${tasks.leaseOwner} = ${p('runnerId')})`,
            gt(tasks.leaseExpiresAt, p('now')),
          ),
        )
        .returning({ runnerId: tasks.leaseOwner, fencingToken: tasks.fencingToken }),
    ),
  };
}

/** The budgeted claim's extra statements: the day's row, the block of a misfit, the reservation. */
function compileBudget(db: Database) {
  const blockedMine = sql`${tasks.status} = 'failed' and ${tasks.changeId} = ${p('blockChangeId')}`;
  const mine = sql`${tasks.status} = 'running' and ${tasks.changeId} = ${p('changeId')}`;
  const cb = circuitBreakers;
  return {
    ensureDay: compile(
      db
        .insert(cb)
        .values({
          key: v('dayKey'),
          scope: 'day',
          period: v('dayPeriod'),
          thresholdUsd: v('dayThreshold'),
          spentUsd: 0,
          reservedUsd: 0,
          state: 'ok',
          overriddenBy: null,
          updatedAt: v('now'),
        })
        // core/breaker.ts relimited: a state set against another limit starts over at ok.
        .onConflictDoUpdate({
          target: cb.key,
          set: {
            thresholdUsd: v('dayThreshold'),
            state: sql`case when abs(${cb.thresholdUsd} - ${p('dayThreshold')}) <= 1e-9
              then ${cb.state} else 'ok' end`,
          },
        }),
    ),
    block: compile(
      db
        .update(tasks)
        .set({
          status: 'failed',
          attempts: sql`${tasks.attempts} + 1`,
          fencingToken: sql`${tasks.fencingToken} + 1`,
          updatedAt: v('now'),
          finishedAt: v('now'),
          changeId: v('blockChangeId'),
        })
        .where(
          and(
            eq(tasks.id, sql`(${oldestQueued(db, sql`not ${fits}`)})`),
            eq(tasks.status, 'queued'),
          ),
        )
        .returning(),
    ),
    blockStage: compile(
      db.insert(stages).select(
        sql`select ${p('blockStageId')}, ${tasks.id}, ${tasks.attempts}, ${tasks.fencingToken}, ${p('runnerId')},
          ${tasks.executor}, null, ${tasks.host}, 'failed', null, null, ${BLOCKED_BY_BREAKER}, null, 0, 0, 0,
          null, null, ${p('blockSummary')}, null, ${p('now')}, ${p('now')}, null, null, null from ${tasks} where ${blockedMine}`,
      ),
    ),
    blockAudit: compile(
      db.insert(auditLog).select(
        sql`select ${p('blockAuditId')}, ${p('now')}, ${p('runnerId')}, 'runner', 'task.blocked', 'task:' || ${tasks.id},
          json_object('breaker', ${p('dayKey')}) from ${tasks} where ${blockedMine}`,
      ),
    ),
    // The claim of a task that reserves nothing (a shell command): no day row, no reservation.
    // Guarded on the estimate of the row it takes, since the oldest may have changed since the peek.
    takeFree: compile(takeOldest(db, oldestQueued(db, undefined), sql`${estimate} <= 0`)),
    // In the same write as the claim: the room `fits` saw cannot be taken by another claim.
    reserve: compile(
      db
        .update(cb)
        .set({
          reservedUsd: sql`${cb.reservedUsd} + coalesce((select ${estimate} from ${tasks} where ${mine}), 0)`,
          updatedAt: v('now'),
        })
        .where(and(eq(cb.key, p('dayKey')), sql`exists (select 1 from ${tasks} where ${mine})`)),
    ),
  };
}

const claimValues = (r: ClaimRequest) => ({
  runnerId: r.runnerId,
  leaseExpiresAt: r.leaseExpiresAt,
  now: r.now,
  changeId: r.changeId,
  hosts: JSON.stringify(r.hosts),
  stageId: r.stageId,
  auditId: r.auditId,
});

const budgetValues = (b: DispatchBudget) => ({
  dayKey: b.day.key,
  dayPeriod: b.day.period,
  dayThreshold: b.day.thresholdUsd,
  estimates: JSON.stringify(b.estimateUsd),
  defaultEstimate: b.defaultEstimateUsd,
  blockChangeId: b.blockChangeId,
  blockStageId: b.blockStageId,
  blockAuditId: b.blockAuditId,
  blockSummary: b.blockSummary,
});

function toClaim(row: unknown, r: ClaimRequest): Claim | null {
  if (!row) return null;
  const task = toTask(mapTask(row as Record<string, unknown>));
  const stage = openStage({ id: r.stageId, task, runnerId: r.runnerId, startedAt: r.now });
  return {
    task,
    stage,
    lease: {
      taskId: task.id,
      runnerId: r.runnerId,
      fencingToken: task.fencingToken,
      expiresAt: r.leaseExpiresAt,
    },
  };
}

export function createJobQueue(db: Database): JobQueue {
  const q = compileClaim(db, oldestQueued(db, undefined));
  const qb = compileClaim(db, oldestQueued(db, fits));
  const b = compileBudget(db);
  // Whether the last claim found a task at the head of the queue that reserves nothing. Under
  // load it usually still does, and then the claim goes straight to its (guarded) write: the
  // peek is for an idle or budgeted queue, where it saves a write lock or picks the statements.
  // Wrong at worst once: an empty write, then the peek again.
  let headWasFree = false;
  /** One write: `take` (a guarded claim statement), then the claim's stage and audit entry. */
  const takeAndOpen = async (
    take: Compiled<string>,
    values: Record<string, unknown>,
    r: ClaimRequest,
  ) => {
    const [taken] = await db.$client.batch(
      [take, q.openStage, q.audit].map((s) => bind(s, values)),
      'write',
    );
    const claim = toClaim(taken?.rows[0], r);
    headWasFree = claim !== null;
    return claim;
  };
  return {
    async claim(r) {
      const values = claimValues(r);
      if (headWasFree) {
        const claim = await takeAndOpen(q.take, values, r);
        if (claim) return claim;
      }
      // Racy on purpose: another claimer may take it between the two, and `take` is guarded.
      const waiting = await db.$client.execute(bind(q.peek, values));
      if (waiting.rows.length === 0) return null;
      return takeAndOpen(q.take, values, r);
    },
    async claimWithinBudget(r, budget) {
      const values = { ...claimValues(r), ...budgetValues(budget) };
      if (headWasFree) {
        const claim = await takeAndOpen(b.takeFree, values, r);
        if (claim) return { claim, blocked: null };
      }
      const waiting = await db.$client.execute(bind(q.peekFits, values));
      const oldest = waiting.rows[0];
      if (!oldest) return { claim: null, blocked: null };
      if (Number(oldest['estimate']) <= 0) {
        // Most tasks are commands: half the statements. If the oldest queued task is no longer
        // one (another claimer was first), the full claim below runs instead.
        const claim = await takeAndOpen(b.takeFree, values, r);
        if (claim) return { claim, blocked: null };
      }
      // The block statements only when the oldest task looked like a misfit: they cost a third
      // of a claim. Racy like the peek, and harmless: `take` checks the fit again, so a misfit
      // that became the oldest meanwhile is skipped now and blocked by the next claim.
      const block = Number(oldest['fits']) === 1 ? [] : [b.block, b.blockStage, b.blockAudit];
      // One write transaction: the day's row, a misfit's block, the claim and its reservation.
      const results = await db.$client.batch(
        [b.ensureDay, ...block, qb.take, b.reserve, qb.openStage, qb.audit].map((s) =>
          bind(s, values),
        ),
        'write',
      );
      const blockedRow = block.length > 0 ? results[1]?.rows[0] : undefined;
      return {
        claim: toClaim(results[block.length + 1]?.rows[0], r),
        blocked: blockedRow
          ? toTask(mapTask(blockedRow as unknown as Record<string, unknown>))
          : null,
      };
    },
    async heartbeat(r) {
      const rs = await db.$client.execute(
        bind(q.heartbeat, {
          taskId: r.taskId,
          fencingToken: r.fencingToken,
          runnerId: r.runnerId ?? null,
          now: r.now,
          leaseExpiresAt: r.leaseExpiresAt,
        }),
      );
      const row = rs.rows[0];
      const runnerId = row?.['lease_owner'];
      return typeof runnerId === 'string'
        ? {
            taskId: r.taskId,
            runnerId,
            fencingToken: Number(row?.['fencing_token']),
            expiresAt: r.leaseExpiresAt,
          }
        : null;
    },
    async expiredLeases(now, limit) {
      const rows = await db
        .select()
        .from(tasks)
        .where(
          and(eq(tasks.status, 'running'), lte(tasks.leaseExpiresAt, now), isNull(tasks.deletedAt)),
        )
        .orderBy(asc(tasks.id))
        .limit(limit);
      return rows.map(toTask);
    },
    async depth() {
      const [row] = await db
        .select({ n: count() })
        .from(tasks)
        .where(and(eq(tasks.status, 'queued'), isNull(tasks.deletedAt)));
      return row?.n ?? 0;
    },
  };
}
