import { CONSENSUS_RUNG } from '../escalation.js';
import { isPipelineDone, type Pipeline } from '../pipeline.js';
import type { Approval } from '../approval.js';
import type { AuditEvent } from '../audit.js';
import { estimateTaskUsd, fitsDay, relimited, type Breaker } from '../breaker.js';
import { BLOCKED_BY_BREAKER } from '../spend.js';
import type { Stores } from '../deps.js';
import { createMemoryPermissionStore } from './memory-permission-store.js';
import type { Claim, ClaimRequest, DispatchBudget, JobQueue } from '../ports/job-queue.js';
import type { TaskChange, TaskQuery, TaskStore } from '../ports/task-store.js';
import { openStage, type Stage, type StoredOutput } from '../stage.js';
import { isTerminal, type Task } from '../task.js';
import {
  createMemoryModelStatsStore,
  createMemoryWorkflowStore,
} from './memory-workflow-stores.js';

interface State {
  tasks: Map<string, Task>;
  stages: Stage[];
  /** Keyed by stage id. */
  outputs: Map<string, StoredOutput>;
  approvals: Approval[];
  audit: AuditEvent[];
  breakers: Map<string, Breaker>;
  pipelines: Map<string, Pipeline>;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function matches(task: Task, q: TaskQuery): boolean {
  return (
    (!q.status || q.status.includes(task.status)) &&
    (!q.kind || task.kind === q.kind) &&
    (!q.host || task.host === q.host) &&
    (!q.executor || task.executor === q.executor) &&
    (!q.requester || task.requester === q.requester) &&
    (!q.channel || task.channel === q.channel) &&
    (!q.after || task.id < q.after)
  );
}

/** Every method body is synchronous, so each one is as atomic as the SQL batch it stands for. */
function createTaskStore(s: State): TaskStore {
  return {
    async findBySuffix(suffix, limit) {
      return [...s.tasks.values()]
        .filter((t) => t.id.endsWith(suffix))
        .sort((a, b) => byId(b, a))
        .slice(0, limit);
    },
    async create(task, approval, audit, pipeline) {
      if (s.tasks.has(task.id)) throw new Error(`duplicate task id ${task.id}`);
      s.tasks.set(task.id, task);
      if (pipeline) s.pipelines.set(pipeline.taskId, pipeline);
      if (approval) s.approvals.push(approval);
      s.audit.push(...audit);
    },
    async get(id) {
      return s.tasks.get(id) ?? null;
    },
    async list(q) {
      const all = [...s.tasks.values()]
        .filter((t) => matches(t, q))
        .sort(byId)
        .reverse();
      const items = all.slice(0, q.limit);
      return { items, nextCursor: all.length > q.limit ? (items.at(-1)?.id ?? null) : null };
    },
    async transition(change: TaskChange) {
      const task = s.tasks.get(change.taskId);
      if (!task || !change.from.includes(task.status)) return null;
      if (change.fencingToken !== undefined && task.fencingToken !== change.fencingToken)
        return null;
      if (change.leaseOwner !== undefined && task.leaseOwner !== change.leaseOwner) return null;
      if (
        change.leaseExpiredBy !== undefined &&
        !(task.leaseExpiresAt !== null && task.leaseExpiresAt <= change.leaseExpiredBy)
      ) {
        return null;
      }
      let next: Task = {
        ...task,
        status: change.to,
        ...(change.executor ? { executor: change.executor } : {}),
        updatedAt: change.at,
        finishedAt: isTerminal(change.to) ? change.at : task.finishedAt,
        ...(task.status === 'running' ? { leaseOwner: null, leaseExpiresAt: null } : {}),
      };
      const open = s.stages.findIndex(
        (st) =>
          st.taskId === task.id &&
          st.fencingToken === task.fencingToken &&
          st.outcome === 'running',
      );
      const openStage = s.stages[open];
      if (change.stage) {
        const r = change.stage.result;
        if (openStage && change.stage.output) s.outputs.set(openStage.id, change.stage.output);
        if (openStage)
          s.stages[open] = {
            ...openStage,
            ...r,
            outcome: change.stage.outcome,
            finishedAt: change.at,
          };
        next = {
          ...next,
          costUsd: next.costUsd + r.costUsd,
          tokensIn: next.tokensIn + r.tokensIn,
          tokensOut: next.tokensOut + r.tokensOut,
        };
      }
      const pending = s.approvals.findIndex((a) => a.taskId === task.id && a.status === 'pending');
      const pendingApproval = s.approvals[pending];
      if (change.approval && pendingApproval)
        s.approvals[pending] = { ...pendingApproval, ...change.approval };
      s.tasks.set(task.id, next);
      s.audit.push(...change.audit);
      return next;
    },
  };
}

const claimable = (s: State, r: ClaimRequest): Task[] =>
  [...s.tasks.values()]
    .filter(
      (t) =>
        t.status === 'queued' &&
        t.kind !== 'pipeline' &&
        t.executor !== CONSENSUS_RUNG &&
        t.host !== null &&
        r.hosts.includes(t.host),
    )
    .sort(byId);

function block(s: State, task: Task, r: ClaimRequest, b: DispatchBudget): Task {
  const blocked: Task = {
    ...task,
    status: 'failed',
    attempts: task.attempts + 1,
    fencingToken: task.fencingToken + 1,
    updatedAt: r.now,
    finishedAt: r.now,
  };
  s.tasks.set(task.id, blocked);
  s.stages.push({
    ...openStage({ id: b.blockStageId, task: blocked, runnerId: r.runnerId, startedAt: r.now }),
    outcome: 'failed',
    errorClass: BLOCKED_BY_BREAKER,
    summary: b.blockSummary,
    finishedAt: r.now,
  });
  s.audit.push({
    id: b.blockAuditId,
    at: r.now,
    actor: r.runnerId,
    channel: 'runner',
    action: 'task.blocked',
    subject: `task:${task.id}`,
    detail: { breaker: b.day.key },
  });
  return blocked;
}

function take(s: State, task: Task, r: ClaimRequest): Claim {
  const claimed: Task = {
    ...task,
    status: 'running',
    attempts: task.attempts + 1,
    fencingToken: task.fencingToken + 1,
    leaseOwner: r.runnerId,
    leaseExpiresAt: r.leaseExpiresAt,
    updatedAt: r.now,
  };
  const stage = openStage({
    id: r.stageId,
    task: claimed,
    runnerId: r.runnerId,
    startedAt: r.now,
  });
  s.tasks.set(task.id, claimed);
  s.stages.push(stage);
  s.audit.push({
    id: r.auditId,
    at: r.now,
    actor: r.runnerId,
    channel: 'runner',
    action: 'task.claimed',
    subject: `task:${task.id}`,
    detail: { attempt: claimed.attempts, fencing_token: claimed.fencingToken },
  });
  const lease = {
    taskId: task.id,
    runnerId: r.runnerId,
    fencingToken: claimed.fencingToken,
    expiresAt: r.leaseExpiresAt,
  };
  return { task: claimed, stage, lease };
}

function createJobQueue(s: State): JobQueue {
  return {
    async claimWithinBudget(r, b) {
      const existing = s.breakers.get(b.day.key);
      const day: Breaker = existing
        ? relimited(existing, b.day.thresholdUsd)
        : { ...b.day, updatedAt: r.now };
      s.breakers.set(day.key, day);
      const estimate = (t: Task) => estimateTaskUsd(t, b);
      const candidates = claimable(s, r);
      const misfit = candidates.find((t) => !fitsDay(day, estimate(t)));
      const fit = candidates.find((t) => fitsDay(day, estimate(t)));
      const blocked = misfit ? block(s, misfit, r, b) : null;
      const claim = fit ? take(s, fit, r) : null;
      if (claim) {
        s.breakers.set(day.key, {
          ...day,
          reservedUsd: day.reservedUsd + estimate(claim.task),
          updatedAt: r.now,
        });
      }
      return { claim, blocked };
    },
    async claim(r: ClaimRequest): Promise<Claim | null> {
      const task = claimable(s, r)[0];
      return task ? take(s, task, r) : null;
    },
    async heartbeat(r) {
      const task = s.tasks.get(r.taskId);
      if (!task || task.status !== 'running' || task.fencingToken !== r.fencingToken) return null;
      if (r.runnerId !== undefined && task.leaseOwner !== r.runnerId) return null;
      if (!task.leaseOwner || !task.leaseExpiresAt || task.leaseExpiresAt <= r.now) return null;
      s.tasks.set(task.id, { ...task, leaseExpiresAt: r.leaseExpiresAt });
      return {
        taskId: task.id,
        runnerId: task.leaseOwner,
        fencingToken: task.fencingToken,
        expiresAt: r.leaseExpiresAt,
      };
    },
    async expiredLeases(now, limit) {
      return [...s.tasks.values()]
        .filter(
          (t) => t.status === 'running' && t.leaseExpiresAt !== null && t.leaseExpiresAt <= now,
        )
        .sort(byId)
        .slice(0, limit);
    },
    async depth() {
      return [...s.tasks.values()].filter((t) => t.status === 'queued').length;
    },
  };
}

/** In-memory versions of every store port, sharing one state like tables share a database. */
export function createMemoryStores(): Stores {
  const s: State = {
    tasks: new Map(),
    stages: [],
    outputs: new Map(),
    approvals: [],
    audit: [],
    breakers: new Map(),
    pipelines: new Map(),
  };
  return {
    tasks: createTaskStore(s),
    pipelines: {
      async get(taskId) {
        return s.pipelines.get(taskId) ?? null;
      },
      async listActive(limit) {
        return [...s.pipelines.values()]
          .filter((p) => !isPipelineDone(p))
          .sort((a, b) => (a.taskId < b.taskId ? -1 : 1))
          .slice(0, limit);
      },
      async update(next) {
        const stored = s.pipelines.get(next.taskId);
        if (!stored || stored.version !== next.version - 1) return false;
        s.pipelines.set(next.taskId, next);
        return true;
      },
    },
    queue: createJobQueue(s),
    workflows: createMemoryWorkflowStore(),
    modelStats: createMemoryModelStatsStore(),
    permissions: createMemoryPermissionStore(s.audit),
    stages: {
      async listByTask(taskId) {
        return s.stages.filter((st) => st.taskId === taskId).sort((a, b) => a.attempt - b.attempt);
      },
      async output(taskId, attempt) {
        const stage = s.stages.find((st) => st.taskId === taskId && st.attempt === attempt);
        return (stage && s.outputs.get(stage.id)) ?? null;
      },
    },
    approvals: {
      async listByTask(taskId) {
        return s.approvals.filter((a) => a.taskId === taskId).sort(byId);
      },
      async pendingForTask(taskId) {
        return s.approvals.find((a) => a.taskId === taskId && a.status === 'pending') ?? null;
      },
      async listExpired(now, limit) {
        return s.approvals
          .filter((a) => a.status === 'pending' && a.expiresAt <= now)
          .sort((a, b) =>
            a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : byId(a, b),
          )
          .slice(0, limit);
      },
    },
    audit: {
      async append(event) {
        s.audit.push(event);
      },
      async listBySubject(subject, limit) {
        return s.audit
          .filter((e) => e.subject === subject)
          .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : byId(a, b)))
          .slice(0, limit);
      },
    },
    breakers: {
      async get(key) {
        return s.breakers.get(key) ?? null;
      },
      async list() {
        return [...s.breakers.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
      },
      async save(breaker) {
        s.breakers.set(breaker.key, breaker);
      },
      async book(b) {
        const stored = s.breakers.get(b.fresh.key);
        const row = stored
          ? relimited(stored, b.fresh.thresholdUsd)
          : { ...b.fresh, updatedAt: b.at };
        const next: Breaker = {
          ...row,
          spentUsd: Math.max(row.spentUsd + (b.addSpentUsd ?? 0), b.minSpentUsd ?? 0),
          reservedUsd: Math.max(row.reservedUsd - (b.releaseUsd ?? 0), 0),
          updatedAt: b.at,
        };
        s.breakers.set(next.key, next);
        return next;
      },
      async advance(key, from, to, at) {
        const row = s.breakers.get(key);
        if (!row || !from.includes(row.state)) return null;
        const next: Breaker = { ...row, state: to, updatedAt: at };
        s.breakers.set(key, next);
        return next;
      },
      async override(fresh, by, at) {
        const next: Breaker = {
          ...(s.breakers.get(fresh.key) ?? fresh),
          overriddenBy: by,
          updatedAt: at,
        };
        s.breakers.set(next.key, next);
        return next;
      },
    },
  };
}
