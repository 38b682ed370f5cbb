import { and, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { TaskChange, TaskQuery, TaskStore } from '../../core/ports/task-store.js';
import { TERMINAL_STATUSES } from '../../core/task.js';
import type { Database } from '../client.js';
import {
  approvals,
  auditLog,
  pipelines,
  stageOutputChunks,
  stageOutputs,
  stages,
  tasks,
} from '../schema.js';
import { pipelineRow } from './pipeline-store.js';
import { auditValues, changedGuard, compileGuardedAudit } from './audit-rows.js';
import { bind, compile, compileInsert, rowMapper } from './prepared.js';
import { fromTask, toTask } from './row-mappers.js';

const p = sql.placeholder;
// A placeholder as an update value (drizzle's set() takes SQL, not a bare placeholder).
const v = (name: string) => sql`${p(name)}`;
const mapTask = rowMapper(tasks);

function filters(q: TaskQuery): SQL | undefined {
  return and(
    isNull(tasks.deletedAt),
    q.status && q.status.length ? inArray(tasks.status, [...q.status]) : undefined,
    q.kind ? eq(tasks.kind, q.kind) : undefined,
    q.host ? eq(tasks.host, q.host) : undefined,
    q.executor ? eq(tasks.executor, q.executor) : undefined,
    q.requester ? eq(tasks.requester, q.requester) : undefined,
    q.channel ? eq(tasks.channel, q.channel) : undefined,
    q.after ? lt(tasks.id, q.after) : undefined,
  );
}

/**
 * The statements of a task change, built once. Optional guards are bound as null ("? is null
 * or …") and the `from` set as a JSON array, so each statement has exactly one shape.
 */
/** Characters per stored output row (see stageOutputChunks). */
export const OUTPUT_CHUNK_CHARS = 256 * 1024;

/** Pieces of at most OUTPUT_CHUNK_CHARS, never splitting a surrogate pair. */
export function chunksOf(text: string): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(at + OUTPUT_CHUNK_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    chunks.push(text.slice(at, end));
    at = end;
  }
  return chunks;
}

function compileChange(db: Database) {
  // The stage a change just closed: the current attempt's, found through the task's change id.
  const closedStage = sql`from ${stages} join ${tasks} on ${tasks.id} = ${stages.taskId} and ${tasks.fencingToken} = ${stages.fencingToken}
    where ${tasks.id} = ${p('taskId')} and ${tasks.changeId} = ${p('changeId')}`;
  return {
    move: compile(
      db
        .update(tasks)
        .set({
          status: v('to'),
          updatedAt: v('at'),
          changeId: v('changeId'),
          executor: sql`coalesce(${p('executor')}, ${tasks.executor})`,
          finishedAt: sql`coalesce(${p('finishedAt')}, ${tasks.finishedAt})`,
          leaseOwner: sql`case when ${tasks.status} = 'running' then null else ${tasks.leaseOwner} end`,
          leaseExpiresAt: sql`case when ${tasks.status} = 'running' then null else ${tasks.leaseExpiresAt} end`,
          costUsd: sql`${tasks.costUsd} + ${p('costUsd')}`,
          tokensIn: sql`${tasks.tokensIn} + ${p('tokensIn')}`,
          tokensOut: sql`${tasks.tokensOut} + ${p('tokensOut')}`,
        })
        .where(
          and(
            eq(tasks.id, p('taskId')),
            sql`${tasks.status} in (select value from json_each(${p('from')}))`,
            isNull(tasks.deletedAt),
            sql`(${p('fencingToken')} is null or ${tasks.fencingToken} = ${p('fencingToken')})`,
            sql`(${p('leaseOwner')} is null or ${tasks.leaseOwner} = ${p('leaseOwner')})`,
            sql`(${p('leaseExpiredBy')} is null or ${tasks.leaseExpiresAt} <= ${p('leaseExpiredBy')})`,
          ),
        )
        .returning(),
    ),
    closeStage: compile(
      db
        .update(stages)
        .set({
          outcome: v('outcome'),
          exitCode: v('exitCode'),
          signal: v('signal'),
          errorClass: v('errorClass'),
          latencyMs: v('latencyMs'),
          tokensIn: v('tokensIn'),
          tokensOut: v('tokensOut'),
          costUsd: v('costUsd'),
          stdoutTail: v('stdoutTail'),
          stderrTail: v('stderrTail'),
          summary: v('summary'),
          outputPath: v('outputPath'),
          sessionId: v('sessionId'),
          changesDiff: v('changesDiff'),
          finishedAt: v('at'),
        })
        .where(
          and(
            eq(stages.taskId, p('taskId')),
            eq(stages.outcome, 'running'),
            eq(
              stages.fencingToken,
              sql`(select ${tasks.fencingToken} from ${tasks} where ${tasks.id} = ${p('taskId')} and ${tasks.changeId} = ${p('changeId')})`,
            ),
          ),
        ),
    ),
    storeOutput: compile(
      db
        .insert(stageOutputs)
        .select(
          sql`select ${stages.id}, ${p('stdoutBytes')}, ${p('stderrBytes')}, ${p('truncated')} ${closedStage}`,
        ),
    ),
    storeChunk: compile(
      db
        .insert(stageOutputChunks)
        .select(sql`select ${stages.id}, ${p('stream')}, ${p('seq')}, ${p('text')} ${closedStage}`),
    ),
    decideApproval: compile(
      db
        .update(approvals)
        .set({
          status: v('status'),
          decidedBy: v('decidedBy'),
          decidedChannel: v('decidedChannel'),
          decidedAt: v('decidedAt'),
          reason: v('reason'),
        })
        .where(
          and(eq(approvals.taskId, p('taskId')), eq(approvals.status, 'pending'), changedGuard),
        ),
    ),
    audit: compileGuardedAudit(db),
  };
}

export function createTaskStore(db: Database): TaskStore {
  const change = compileChange(db);
  const insert = {
    task: compileInsert(db, tasks),
    pipeline: compileInsert(db, pipelines),
    approval: compileInsert(db, approvals),
    audit: compileInsert(db, auditLog),
  };
  // The most frequent read (every card, every MCP call on a task): prepared once.
  const taskById = db
    .select()
    .from(tasks)
    .where(and(eq(tasks.id, sql.placeholder('id')), isNull(tasks.deletedAt)))
    .prepare();
  return {
    async create(task, approval, audit, pipeline) {
      // Every submit comes through here: built once (compileInsert), only bound per call.
      await db.$client.batch(
        [
          insert.task(fromTask(task, task.id)),
          ...(pipeline ? [insert.pipeline(pipelineRow(pipeline))] : []),
          ...(approval ? [insert.approval(approval)] : []),
          ...audit.map((e) => insert.audit({ ...e, detail: { ...e.detail } })),
        ],
        'write',
      );
    },
    async get(id) {
      const [row] = await taskById.all({ id });
      return row ? toTask(row) : null;
    },
    async findBySuffix(suffix, limit) {
      // Callers pass hex only; LIKE wildcards could not sneak in, but escape them regardless.
      const pattern = `%${suffix.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
      const rows = await db
        .select()
        .from(tasks)
        .where(and(sql`${tasks.id} LIKE ${pattern} ESCAPE '\\'`, isNull(tasks.deletedAt)))
        .orderBy(desc(tasks.id))
        .limit(limit);
      return rows.map(toTask);
    },
    async list(q) {
      const rows = await db
        .select()
        .from(tasks)
        .where(filters(q))
        .orderBy(desc(tasks.id))
        .limit(q.limit + 1);
      const items = rows.slice(0, q.limit).map(toTask);
      return { items, nextCursor: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
    },
    /**
     * One batch: the guarded task update first, then the writes tied to it by change_id, which
     * apply only if it did. Nothing is held open across an await, so this works the same on a
     * local file, a libSQL server and Workers.
     */
    async transition(c: TaskChange) {
      const tie = { taskId: c.taskId, changeId: c.changeId };
      const r = c.stage?.result;
      const statements = [
        bind(change.move, {
          ...tie,
          to: c.to,
          at: c.at,
          executor: c.executor ?? null,
          finishedAt: TERMINAL_STATUSES.has(c.to) ? c.at : null,
          costUsd: r?.costUsd ?? 0,
          tokensIn: r?.tokensIn ?? 0,
          tokensOut: r?.tokensOut ?? 0,
          from: JSON.stringify(c.from),
          fencingToken: c.fencingToken ?? null,
          leaseOwner: c.leaseOwner ?? null,
          leaseExpiredBy: c.leaseExpiredBy ?? null,
        }),
      ];
      if (c.stage && r)
        statements.push(
          bind(change.closeStage, {
            ...tie,
            ...r,
            outcome: c.stage.outcome,
            at: c.at,
          }),
        );
      const output = c.stage?.output;
      if (output) {
        const truncated = output.truncated ? 1 : 0;
        statements.push(bind(change.storeOutput, { ...tie, ...output, truncated }));
        for (const stream of ['stdout', 'stderr'] as const) {
          chunksOf(output[stream]).forEach((text, seq) =>
            statements.push(bind(change.storeChunk, { ...tie, stream, seq, text })),
          );
        }
      }
      if (c.approval) statements.push(bind(change.decideApproval, { ...tie, ...c.approval }));
      for (const e of c.audit) statements.push(bind(change.audit, { ...tie, ...auditValues(e) }));
      const [moved] = await db.$client.batch(statements, 'write');
      const row = moved?.rows[0];
      return row ? toTask(mapTask(row as unknown as Record<string, unknown>)) : null;
    },
  };
}
