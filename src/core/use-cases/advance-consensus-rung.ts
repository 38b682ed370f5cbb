import type { Actor } from '../actor.js';
import { taskSubject, type AuditEvent } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import { CONSENSUS_RUNG } from '../escalation.js';
import { EMPTY_STAGE_RESULT } from '../stage.js';
import { isTerminal, type Task } from '../task.js';
import { executionStage, type Workflow } from '../workflow.js';
import { cancelTask } from './cancel-task.js';
import { compareWorkflowStages } from './compare-workflow-stages.js';
import { shortRef } from './find-task.js';
import { consensusRungOf, planClimb, skippedDetail } from './plan-climb.js';
import { buildTask } from './submit-task.js';
import { auditEntry, notifySafely } from './support.js';

type Deps = Pick<
  CoreDeps,
  | 'tasks'
  | 'stages'
  | 'approvals'
  | 'audit'
  | 'clock'
  | 'ids'
  | 'notifier'
  | 'workflows'
  | 'breakers'
  | 'breakerLimits'
  | 'ladder'
  | 'catalog'
> &
  Parameters<typeof compareWorkflowStages>[0]['deps'];

/** The requester of a consensus rung's sides, like a pipeline's steps: the task they serve. */
export const ladderRequester = (taskId: string): string => `ladder:${taskId}`;
export const ladderTaskOf = (requester: string): string | null =>
  requester.startsWith('ladder:') ? requester.slice('ladder:'.length) : null;

const actorFor = (taskId: string): Actor => ({
  id: ladderRequester(taskId),
  role: 'system',
  channel: 'system',
});

/** Tasks waiting on a consensus rung looked at per call; the maintenance loop calls again. */
const BATCH = 100;

/**
 * Drives every task waiting on its consensus rung (maintenance, and after a restart: all the
 * state is in the stores, and each step is a guarded move, so a repeat changes nothing).
 */
export async function advanceConsensusRungs({ deps }: { deps: Deps }): Promise<number> {
  const waiting = await deps.tasks.list({
    status: ['queued', 'running'],
    executor: CONSENSUS_RUNG,
    limit: BATCH,
  });
  let changed = 0;
  for (const task of waiting.items)
    if (await advanceConsensusRung({ deps, taskId: task.id })) changed++;
  return changed;
}

/**
 * One step of a consensus rung (SPEC §3.3/§3.4): start both sides (each its own task, so each
 * gets its own worktree on a repo; logged in one workflow, compared like any consensus), and
 * once both have ended, settle the rung.
 *
 * The rung succeeds when both sides succeeded: each delivered by the same test that lets a
 * single rung stop the climb, and the task's result is their agreement report (score, diff of
 * their answers and of their changed files). A low score is not a failure: the line-level
 * score is a weak proxy for correctness (two right answers worded differently score low), so
 * the operator reads the report. If either side failed, the rung failed: the climb goes on.
 */
export async function advanceConsensusRung({
  deps,
  taskId,
}: {
  deps: Deps;
  taskId: string;
}): Promise<boolean> {
  let task = await deps.tasks.get(taskId);
  if (!task || task.executor !== CONSENSUS_RUNG) return false;
  const sides = (await consensusRungOf(deps, task.id))?.sides ?? [];
  const runs = (await deps.tasks.list({ requester: ladderRequester(task.id), limit: 10 })).items;
  if (isTerminal(task.status)) return stopSides(deps, task, runs);
  if (task.status === 'queued') {
    task = await move(deps, task, 'queued', 'running', [
      entry(deps, task, 'task.consensus_started', { sides }),
    ]);
    if (!task) return false;
  }
  if (task.status !== 'running') return false;
  const missing = sides.filter((e) => !runs.some((r) => r.executor === e));
  // Recorded first, started next: a restart in between starts the missing side then.
  if (missing.length) return (await startSides(deps, task, missing, runs), true);
  const ours = sides.map((e) => runs.find((r) => r.executor === e)).filter((r) => r !== undefined);
  if (ours.length < 2 || ours.some((r) => !isTerminal(r.status))) return false;
  return settle(deps, task, ours);
}

function entry(
  deps: Deps,
  task: Task,
  action: AuditEvent['action'],
  detail: Record<string, unknown>,
): AuditEvent {
  const at = deps.clock.now().toISOString();
  return auditEntry(deps, actorFor(task.id), at, action, taskSubject(task.id), detail);
}

async function move(
  deps: Deps,
  task: Task,
  from: 'queued' | 'running',
  to: 'running' | 'queued' | 'succeeded' | 'failed',
  audit: readonly AuditEvent[],
  extra: { executor?: string; costUsd?: number; tokensIn?: number; tokensOut?: number } = {},
): Promise<Task | null> {
  const { executor, costUsd = 0, tokensIn = 0, tokensOut = 0 } = extra;
  const moved = await deps.tasks.transition({
    taskId: task.id,
    from: [from],
    to,
    ...(executor ? { executor } : {}),
    at: deps.clock.now().toISOString(),
    changeId: deps.ids.next(),
    // The task has no open stage while its sides run: this only adds their cost to it.
    ...(costUsd > 0 || tokensIn + tokensOut > 0
      ? {
          stage: {
            outcome: to === 'succeeded' ? 'succeeded' : 'failed',
            result: { ...EMPTY_STAGE_RESULT, costUsd, tokensIn, tokensOut },
          },
        }
      : {}),
    audit,
  });
  if (moved) await notifySafely(deps, { type: 'task.changed', task: moved, from });
  return moved;
}

/** The sides as tasks of their own, approved with the task they serve (it was, to run). */
async function startSides(
  deps: Deps,
  task: Task,
  executors: readonly string[],
  runs: readonly Task[],
) {
  const workflow = await workflowFor(deps, task, runs);
  const actor = actorFor(task.id);
  for (const executor of executors) {
    const now = deps.clock.now();
    const at = now.toISOString();
    const side = buildTask({
      id: deps.ids.next(),
      draft: {
        kind: 'agent',
        executor,
        host: task.host,
        repo: task.repo,
        environment: task.environment,
        template: null,
        params: {},
        prompt: task.prompt,
        argv: null,
        timeoutS: task.timeoutS,
        budgetUsd: task.budgetUsd,
        requestedRisk: null,
        declaredRisk: null,
        idempotent: false,
        escalate: false,
        steps: null,
      },
      assessment: {
        risk: task.risk,
        gate: 'none',
        reason: `consensus rung of #${shortRef(task.id)}`,
      },
      actor,
      at,
    });
    await deps.tasks.create(side, null, [
      auditEntry(deps, actor, at, 'task.submitted', taskSubject(side.id), {
        kind: side.kind,
        ladder: task.id,
        side: executor,
      }),
    ]);
    if (workflow) {
      await deps.workflows.appendStage(
        executionStage({
          id: deps.ids.next(),
          workflowId: workflow,
          name: `${executor}'s answer`,
          taskId: side.id,
          executor,
          createdAt: at,
        }),
      );
    }
    await notifySafely(deps, { type: 'task.changed', task: side, from: null });
  }
}

/** The workflow the sides are logged in (where `workflow_query consensus` compares them). */
async function workflowFor(deps: Deps, task: Task, runs: readonly Task[]): Promise<string | null> {
  for (const run of runs) {
    const id = await deps.workflows.workflowOfTask(run.id);
    if (id) return id;
  }
  const at = deps.clock.now().toISOString();
  const prompt = (task.prompt ?? '').replace(/\s+/g, ' ').trim();
  const workflow: Workflow = {
    id: deps.ids.next(),
    title: `Consensus rung of #${shortRef(task.id)}: ${prompt.length > 60 ? `${prompt.slice(0, 59)}…` : prompt}`,
    goal: null,
    acceptance: [],
    status: 'open',
    verdict: null,
    verdictNotes: null,
    requester: ladderRequester(task.id),
    channel: 'system',
    createdAt: at,
    updatedAt: at,
    closedAt: null,
  };
  await deps.workflows.create(workflow);
  return workflow.id;
}

/** Both sides ended: the task succeeds with their report, or climbs on (see above). */
async function settle(deps: Deps, task: Task, sides: readonly Task[]): Promise<boolean> {
  const costUsd = sides.reduce((sum, s) => sum + s.costUsd, 0);
  const tokens = {
    tokensIn: sides.reduce((sum, s) => sum + s.tokensIn, 0),
    tokensOut: sides.reduce((sum, s) => sum + s.tokensOut, 0),
  };
  const succeeded = sides.every((s) => s.status === 'succeeded');
  const workflowId = await deps.workflows.workflowOfTask(sides[0]!.id);
  const compared = workflowId
    ? await compareWorkflowStages({ deps, actor: actorFor(task.id), input: { id: workflowId } })
    : null;
  const report = compared?.ok ? compared.value : null;
  const settled = entry(deps, task, 'task.consensus_settled', {
    outcome: succeeded ? 'succeeded' : 'failed',
    workflow: workflowId,
    sides: sides.map((s) => ({
      task: s.id,
      executor: s.executor,
      status: s.status,
      cost_usd: s.costUsd,
    })),
    agreement: report?.agreement ?? null,
    // On a repo: whether the two sides changed their files the same way.
    changes_agree: report?.changes ? report.changes.diff === '' : null,
    cost_usd: costUsd,
  });
  if (succeeded) {
    const done = entry(deps, task, 'task.succeeded', { via: CONSENSUS_RUNG, cost_usd: costUsd });
    return (
      (await move(deps, task, 'running', 'succeeded', [settled, done], { costUsd, ...tokens })) !==
      null
    );
  }
  const next = await planClimb(deps, {
    task,
    current: CONSENSUS_RUNG,
    costUsd,
    unsettled: false,
  });
  if (next.kind === 'executor') {
    const climbed = entry(deps, task, 'task.escalated', {
      from: CONSENSUS_RUNG,
      to: next.executor,
      cost_usd: costUsd,
      ...skippedDetail(next.skipped),
    });
    return (
      (await move(deps, task, 'running', 'queued', [settled, climbed], {
        executor: next.executor,
        costUsd,
        ...tokens,
      })) !== null
    );
  }
  // A second consensus is never planned (the rung is tried): what is left is the operator.
  const failed = entry(deps, task, 'task.failed', {
    via: CONSENSUS_RUNG,
    cost_usd: costUsd,
    ladder: 'human',
    ...skippedDetail(next.skipped),
  });
  const ended = await move(deps, task, 'running', 'failed', [settled, failed], {
    costUsd,
    ...tokens,
  });
  if (ended) await notifySafely(deps, { type: 'task.escalation_ended', task: ended });
  return ended !== null;
}

/** The task ended while its sides ran (cancelled): they stop too. */
async function stopSides(deps: Deps, task: Task, runs: readonly Task[]): Promise<boolean> {
  let changed = false;
  for (const run of runs.filter((r) => !isTerminal(r.status))) {
    const r = await cancelTask({
      deps,
      actor: actorFor(task.id),
      input: { taskId: run.id, reason: `#${shortRef(task.id)} ${task.status}` },
    });
    changed ||= r.ok;
  }
  return changed;
}
