import type { Actor } from '../actor.js';
import { taskSubject, type AuditAction } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import { handoffSummary, stepRequester, type Pipeline, type PipelineStatus } from '../pipeline.js';
import { EMPTY_STAGE_RESULT } from '../stage.js';
import { isTerminal, type Task } from '../task.js';
import { cancelTask } from './cancel-task.js';
import { buildApproval, buildTask } from './submit-task.js';
import { auditEntry, notifySafely } from './support.js';

type Deps = Pick<
  CoreDeps,
  | 'tasks'
  | 'stages'
  | 'pipelines'
  | 'audit'
  | 'clock'
  | 'ids'
  | 'notifier'
  | 'policy'
  | 'approvals'
  | 'breakers'
  | 'breakerLimits'
>;

/** Pipelines looked at per call; the maintenance loop calls again. */
const BATCH = 100;

/**
 * Moves every active pipeline as far as it can go (SPEC §3.9): starts it once its own gate is
 * passed, runs its steps one after another as tasks, opens an approval (with a handoff
 * summary) at each approval gate, stops at the first failed step or failed validation, and
 * ends the pipeline task. All state is in the stores, so after a restart the next call simply
 * carries on; every update is conditional, so concurrent calls cannot run a step twice.
 * Returns how many pipelines changed.
 */
export async function advancePipelines({ deps }: { deps: Deps }): Promise<number> {
  let changed = 0;
  for (const pipeline of await deps.pipelines.listActive(BATCH)) {
    if (await advanceOne(deps, pipeline)) changed++;
  }
  return changed;
}

const actorFor = (pipelineId: string): Actor => ({
  id: stepRequester(pipelineId),
  role: 'system',
  channel: 'system',
});

async function advanceOne(deps: Deps, p: Pipeline): Promise<boolean> {
  const parent = await deps.tasks.get(p.taskId);
  if (!parent) return false;
  // Cancelled, rejected or expired from outside: stop the step that runs, then stop too.
  if (isTerminal(parent.status)) {
    const step = p.steps[p.currentStep];
    if (step?.taskId) {
      const child = await deps.tasks.get(step.taskId);
      if (child && !isTerminal(child.status))
        await cancelTask({
          deps,
          actor: actorFor(p.taskId),
          input: { taskId: child.id, reason: `pipeline ${parent.status}` },
        });
    }
    return save(deps, p, { status: parent.status === 'succeeded' ? 'succeeded' : 'cancelled' });
  }
  if (p.status === 'pending') {
    if (parent.status !== 'queued') return false;
    const started = await moveParent(deps, parent, 'queued', 'running', 'pipeline.started', {});
    return started ? startStep(deps, started, p, 0) : false;
  }
  const index = p.currentStep;
  const step = p.steps[index];
  if (!step) return finishParent(deps, parent, p, 'succeeded', 'pipeline.succeeded', {});
  if (!step.taskId) return startStep(deps, parent, p, index);
  const child = await deps.tasks.get(step.taskId);
  // Saved but not created (the process stopped in between): create it now, same id.
  if (!child) return (await createStepTask(deps, parent, p, index), true);
  if (!isTerminal(child.status)) {
    // The approver passed the gate: the pipeline runs again.
    if (p.status === 'waiting' && child.status !== 'awaiting_approval')
      return save(deps, p, { status: 'running' });
    return false;
  }
  const steps = p.steps.map((s, i) =>
    i === index ? { ...s, outcome: child.status, costUsd: child.costUsd } : s,
  );
  const recorded: Pipeline = { ...p, steps };
  if (child.status !== 'succeeded') {
    const action =
      step.gate === 'validation' ? 'pipeline.validation_failed' : 'pipeline.step_failed';
    return finishParent(deps, parent, recorded, 'failed', action, {
      step: step.name,
      step_task: child.id,
      step_status: child.status,
    });
  }
  if (index + 1 >= p.steps.length)
    return finishParent(deps, parent, recorded, 'succeeded', 'pipeline.succeeded', {});
  return startStep(deps, parent, recorded, index + 1);
}

/** Stores the next version of a pipeline; false if another call moved it first. */
async function save(
  deps: Deps,
  p: Pipeline,
  changes: Partial<Pick<Pipeline, 'status' | 'currentStep' | 'steps'>>,
): Promise<boolean> {
  return deps.pipelines.update({
    ...p,
    ...changes,
    version: p.version + 1,
    updatedAt: deps.clock.now().toISOString(),
  });
}

async function moveParent(
  deps: Deps,
  parent: Task,
  from: 'queued' | 'running',
  to: 'running' | 'succeeded' | 'failed',
  action: AuditAction,
  detail: Record<string, unknown>,
  costUsd = 0,
): Promise<Task | null> {
  const at = deps.clock.now().toISOString();
  const actor = actorFor(parent.id);
  const moved = await deps.tasks.transition({
    taskId: parent.id,
    from: [from],
    to,
    at,
    changeId: deps.ids.next(),
    // No stage row exists for a pipeline task: this only adds the steps' cost to it.
    ...(costUsd > 0
      ? {
          stage: {
            outcome: to === 'running' ? 'failed' : to,
            result: { ...EMPTY_STAGE_RESULT, costUsd },
          },
        }
      : {}),
    audit: [auditEntry(deps, actor, at, action, taskSubject(parent.id), detail)],
  });
  if (moved) await notifySafely(deps, { type: 'task.changed', task: moved, from });
  return moved;
}

async function finishParent(
  deps: Deps,
  parent: Task,
  p: Pipeline,
  to: 'succeeded' | 'failed',
  action: AuditAction,
  detail: Record<string, unknown>,
): Promise<boolean> {
  const status: PipelineStatus = to;
  if (
    !(await save(deps, p, {
      status,
      currentStep: to === 'succeeded' ? p.steps.length : p.currentStep,
    }))
  )
    return false;
  const cost = p.steps.reduce((sum, s) => sum + s.costUsd, 0);
  await moveParent(deps, parent, 'running', to, action, detail, cost);
  return true;
}

/** Records the step's task id first, then creates the task: a restart in between resumes it. */
async function startStep(deps: Deps, parent: Task, p: Pipeline, index: number): Promise<boolean> {
  const step = p.steps[index];
  if (!step) return false;
  const gated = step.gate === 'approval';
  const handoff = gated ? handoffSummary(p, parent.template ?? parent.id, index) : null;
  const steps = p.steps.map((s, i) =>
    i === index ? { ...s, taskId: deps.ids.next(), handoff } : s,
  );
  const next: Pipeline = {
    ...p,
    status: gated ? 'waiting' : 'running',
    currentStep: index,
    steps,
    version: p.version + 1,
    updatedAt: deps.clock.now().toISOString(),
  };
  if (!(await deps.pipelines.update(next))) return false;
  await createStepTask(deps, parent, next, index);
  return true;
}

/**
 * What a step's approval gate asks: one tap, or, when the pipeline itself needed the typed
 * phrase (production, or a high-risk template), the phrase again. Typing it once for the
 * whole pipeline must not wave through each later step that deploys.
 */
function stepGate(parent: Task): { risk: 'medium' | 'high'; gate: 'tap' | 'typed_phrase' } {
  return parent.risk === 'high' || parent.environment === 'production'
    ? { risk: 'high', gate: 'typed_phrase' }
    : { risk: 'medium', gate: 'tap' };
}

async function createStepTask(deps: Deps, parent: Task, p: Pipeline, index: number) {
  const step = p.steps[index];
  if (!step?.taskId) return;
  const now = deps.clock.now();
  const at = now.toISOString();
  const actor = actorFor(parent.id);
  const gated = step.gate === 'approval';
  const task = buildTask({
    id: step.taskId,
    draft: {
      kind: 'shell',
      executor: null,
      host: step.host,
      // The repo's directory only exists on the repo's own host.
      repo: step.host === parent.host ? parent.repo : null,
      environment: parent.environment,
      template: parent.template,
      params: parent.params,
      prompt: null,
      argv: step.argv,
      timeoutS: step.timeoutS,
      budgetUsd: null,
      requestedRisk: null,
      declaredRisk: null,
      idempotent: false,
      escalate: false,
      steps: null,
    },
    // The pipeline was approved as a whole; only its gates ask again.
    assessment: gated
      ? { ...stepGate(parent), reason: `gate before step ${index + 1} (${step.name})` }
      : { risk: parent.risk, gate: 'none', reason: `step ${index + 1} of an approved pipeline` },
    actor,
    at,
  });
  const approval = gated ? buildApproval(deps, task.id, stepGate(parent).gate, now) : null;
  const audit = [
    auditEntry(deps, actor, at, 'task.submitted', taskSubject(task.id), {
      pipeline: parent.id,
      step: step.name,
      gate: step.gate,
    }),
  ];
  await deps.tasks.create(task, approval, audit);
  await notifySafely(deps, { type: 'task.changed', task, from: null });
  if (approval)
    await notifySafely(deps, {
      type: 'approval.requested',
      task,
      approval,
      handoff: step.handoff ?? undefined,
    });
}
