import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { createRecordingNotifier } from '../../src/core/fakes/recording-notifier.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import { EMPTY_STAGE_RESULT } from '../../src/core/stage.js';
import { advancePipelines } from '../../src/core/use-cases/advance-pipelines.js';
import { approveTask } from '../../src/core/use-cases/approve-task.js';
import { cancelTask } from '../../src/core/use-cases/cancel-task.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { completeTask } from '../../src/core/use-cases/complete-task.js';
import { submitTask } from '../../src/core/use-cases/submit-task.js';
import { coreDepsFor } from '../helpers/core-deps.js';
import { testTemplate } from '../helpers/templates.js';

const OWNER: Actor = { id: 'ops', role: 'owner', channel: 'telegram' };
const RUNNER: Actor = { id: 'runner-1', role: 'runner', channel: 'runner' };
const CLIENT: Actor = { id: 'client:planner', role: 'owner', channel: 'mcp' };

// plan → [tap] → apply → [validation] check
const RELEASE = testTemplate({
  name: 'release',
  riskByEnvironment: { dev: 'low', production: 'high' },
  argv: [],
  steps: [
    {
      name: 'plan',
      argv: ['echo', 'plan {{environment}}'],
      host: null,
      gate: 'none',
      timeoutS: null,
    },
    { name: 'apply', argv: ['echo', 'apply'], host: 'build-vm', gate: 'approval', timeoutS: 60 },
    { name: 'check', argv: ['true'], host: null, gate: 'validation', timeoutS: null },
  ],
});

function setup() {
  const notifier = createRecordingNotifier();
  const deps = coreDepsFor(createMemoryStores(), {
    clock: createFixedClock('2026-01-01T00:00:00.000Z'),
    ids: createSequentialIds(),
    notifier,
    catalog: {
      hosts: ['local', 'build-vm'],
      executors: ['codex'],
      repos: [],
      templates: [RELEASE],
      defaultExecutor: 'codex',
      defaultTimeoutS: 180,
    },
  });
  return { deps, notifier };
}

async function submitRelease(
  deps: CoreDeps,
  environment: 'dev' | 'production' = 'dev',
  actor: Actor = OWNER,
) {
  const r = await submitTask({
    deps,
    actor,
    input: { draft: { kind: 'template', template: 'release', environment, params: {} } },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.task;
}

/** Plays the runner: claims the next task and reports it with the given outcome. */
async function runNext(deps: CoreDeps, outcome: 'succeeded' | 'failed', costUsd = 0) {
  const claimed = await claimNextTask({
    deps,
    actor: RUNNER,
    input: { runnerId: RUNNER.id, serves: ['local', 'build-vm'] },
  });
  if (!claimed.ok || !claimed.value) throw new Error('nothing to claim');
  const { task, lease } = claimed.value;
  const done = await completeTask({
    deps,
    actor: RUNNER,
    input: {
      taskId: task.id,
      fencingToken: lease.fencingToken,
      outcome,
      result: { ...EMPTY_STAGE_RESULT, exitCode: outcome === 'succeeded' ? 0 : 1, costUsd },
    },
  });
  if (!done.ok) throw new Error(JSON.stringify(done.error));
  return task;
}

const pipelineOf = async (deps: CoreDeps, id: string) => {
  const p = await deps.pipelines.get(id);
  if (!p) throw new Error('no pipeline');
  return p;
};

describe('pipelines (SPEC §3.9)', () => {
  it('runs its steps one by one, stops at an approval gate with a handoff, and ends the task', async () => {
    const { deps, notifier } = setup();
    const parent = await submitRelease(deps);
    expect(parent).toMatchObject({ kind: 'pipeline', status: 'queued', argv: null });
    // The pipeline task itself is never handed to a runner.
    const none = await claimNextTask({
      deps,
      actor: RUNNER,
      input: { runnerId: RUNNER.id, serves: ['local', 'build-vm'] },
    });
    expect(none.ok && none.value).toBeNull();

    expect(await advancePipelines({ deps })).toBe(1);
    expect((await deps.tasks.get(parent.id))?.status).toBe('running');
    const plan = await runNext(deps, 'succeeded', 0.25);
    expect(plan).toMatchObject({
      kind: 'shell',
      argv: ['echo', 'plan dev'],
      host: 'local',
      requester: `pipeline:${parent.id}`,
    });

    await advancePipelines({ deps });
    let p = await pipelineOf(deps, parent.id);
    expect(p).toMatchObject({ status: 'waiting', currentStep: 1 });
    const gate = await deps.tasks.get(p.steps[1]?.taskId ?? '');
    expect(gate).toMatchObject({ status: 'awaiting_approval', gate: 'tap', host: 'build-vm' });
    const requested = notifier.events.find(
      (e) => e.type === 'approval.requested' && e.task.id === gate?.id,
    );
    expect(requested).toMatchObject({
      handoff:
        'Pipeline release, step 2 of 3. Ran: 1. plan: succeeded. Cost so far: $0.25. Next: apply (echo apply) on build-vm.',
    });
    // Nothing moves until the approver taps.
    expect(await advancePipelines({ deps })).toBe(0);
    const approved = await approveTask({
      deps,
      actor: OWNER,
      input: { taskId: gate?.id ?? '', via: 'button' },
    });
    expect(approved.ok).toBe(true);
    await advancePipelines({ deps });
    expect((await pipelineOf(deps, parent.id)).status).toBe('running');
    await runNext(deps, 'succeeded', 0.5);
    await advancePipelines({ deps });
    await runNext(deps, 'succeeded');
    await advancePipelines({ deps });

    p = await pipelineOf(deps, parent.id);
    expect(p.status).toBe('succeeded');
    expect(p.steps.map((s) => s.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await deps.tasks.get(parent.id)).toMatchObject({ status: 'succeeded', costUsd: 0.75 });
    const trail = await deps.audit.listBySubject(`task:${parent.id}`, 50);
    expect(trail.map((e) => e.action)).toEqual([
      'task.submitted',
      'pipeline.started',
      'pipeline.succeeded',
    ]);
    expect(await advancePipelines({ deps })).toBe(0);
  });

  it('fails the pipeline at a failed validation and runs nothing after it', async () => {
    const { deps } = setup();
    const parent = await submitRelease(deps);
    await advancePipelines({ deps });
    await runNext(deps, 'succeeded');
    await advancePipelines({ deps });
    const p = await pipelineOf(deps, parent.id);
    await approveTask({
      deps,
      actor: OWNER,
      input: { taskId: p.steps[1]?.taskId ?? '', via: 'button' },
    });
    await advancePipelines({ deps });
    await runNext(deps, 'succeeded');
    await advancePipelines({ deps });
    await runNext(deps, 'failed');
    await advancePipelines({ deps });
    expect(await pipelineOf(deps, parent.id)).toMatchObject({ status: 'failed', currentStep: 2 });
    expect((await deps.tasks.get(parent.id))?.status).toBe('failed');
    const trail = await deps.audit.listBySubject(`task:${parent.id}`, 50);
    expect(trail.at(-1)).toMatchObject({
      action: 'pipeline.validation_failed',
      detail: { step: 'check', step_status: 'failed' },
    });
  });

  it('waits for its own gate first, and a rejected gate step fails the pipeline', async () => {
    const { deps } = setup();
    const parent = await submitRelease(deps, 'production');
    expect(parent).toMatchObject({ status: 'awaiting_approval', gate: 'typed_phrase' });
    expect(await advancePipelines({ deps })).toBe(0);
    await approveTask({
      deps,
      actor: OWNER,
      input: { taskId: parent.id, phrase: 'DEPLOY TO PRODUCTION', via: 'button' },
    });
    await advancePipelines({ deps });
    await runNext(deps, 'succeeded');
    await advancePipelines({ deps });
    const p = await pipelineOf(deps, parent.id);
    const { rejectTask } = await import('../../src/core/use-cases/reject-task.js');
    await rejectTask({ deps, actor: OWNER, input: { taskId: p.steps[1]?.taskId ?? '' } });
    await advancePipelines({ deps });
    expect(await pipelineOf(deps, parent.id)).toMatchObject({ status: 'failed' });
    expect((await pipelineOf(deps, parent.id)).steps[1]?.outcome).toBe('rejected');
  });

  it('cancelling the pipeline cancels the step that runs', async () => {
    const { deps } = setup();
    const parent = await submitRelease(deps);
    await advancePipelines({ deps });
    const step = (await pipelineOf(deps, parent.id)).steps[0]?.taskId ?? '';
    const claimed = await claimNextTask({
      deps,
      actor: RUNNER,
      input: { runnerId: RUNNER.id, serves: ['local', 'build-vm'] },
    });
    expect(claimed.ok && claimed.value?.task.id).toBe(step);
    expect((await cancelTask({ deps, actor: OWNER, input: { taskId: parent.id } })).ok).toBe(true);
    await advancePipelines({ deps });
    expect((await deps.tasks.get(step))?.status).toBe('cancelled');
    expect(await pipelineOf(deps, parent.id)).toMatchObject({ status: 'cancelled' });
  });

  it('never starts a step twice when two drivers advance at once, and resumes a half-started step', async () => {
    const { deps } = setup();
    const parent = await submitRelease(deps);
    await Promise.all([
      advancePipelines({ deps }),
      advancePipelines({ deps }),
      advancePipelines({ deps }),
    ]);
    const all = await deps.tasks.list({ limit: 50 });
    expect(all.items.filter((t) => t.requester === `pipeline:${parent.id}`)).toHaveLength(1);
    // A stop between recording the step and creating its task: the next run creates it.
    const p = await pipelineOf(deps, parent.id);
    const recorded = {
      ...p,
      steps: p.steps.map((s, i) => (i === 1 ? { ...s, taskId: 'step-two' } : s)),
      currentStep: 1,
      version: p.version + 1,
    };
    expect(await deps.pipelines.update(recorded)).toBe(true);
    await advancePipelines({ deps });
    expect(await deps.tasks.get('step-two')).toMatchObject({
      argv: ['echo', 'apply'],
      status: 'awaiting_approval',
    });
  });

  it('never lets the client that started a pipeline approve its gate steps, and audits the refusal', async () => {
    const { deps } = setup();
    const parent = await submitRelease(deps, 'dev', CLIENT);
    await advancePipelines({ deps });
    await runNext(deps, 'succeeded');
    await advancePipelines({ deps });
    const gateId = (await pipelineOf(deps, parent.id)).steps[1]?.taskId ?? '';
    const refused = await approveTask({
      deps,
      actor: CLIENT,
      input: { taskId: gateId, via: 'button' },
    });
    expect(refused).toEqual({ ok: false, error: { code: 'self_approval', taskId: gateId } });
    expect((await deps.tasks.get(gateId))?.status).toBe('awaiting_approval');
    const trail = await deps.audit.listBySubject(`task:${gateId}`, 50);
    expect(trail.at(-1)).toMatchObject({
      actor: CLIENT.id,
      channel: 'mcp',
      action: 'task.approval_refused',
      detail: { reason: 'self_approval', gate: 'tap' },
    });
    // Another approver (a person, or another client) decides it.
    const other: Actor = { id: 'client:reviewer', role: 'approver', channel: 'mcp' };
    const approved = await approveTask({
      deps,
      actor: other,
      input: { taskId: gateId, via: 'button' },
    });
    expect(approved.ok && approved.value.status).toBe('queued');
  });

  it('asks the typed phrase again at each gate of a production pipeline', async () => {
    const { deps } = setup();
    const parent = await submitRelease(deps, 'production');
    await approveTask({
      deps,
      actor: OWNER,
      input: { taskId: parent.id, phrase: 'DEPLOY TO PRODUCTION', via: 'phrase' },
    });
    await advancePipelines({ deps });
    await runNext(deps, 'succeeded');
    await advancePipelines({ deps });
    const gateId = (await pipelineOf(deps, parent.id)).steps[1]?.taskId ?? '';
    expect(await deps.tasks.get(gateId)).toMatchObject({
      status: 'awaiting_approval',
      risk: 'high',
      gate: 'typed_phrase',
    });
    const tap = await approveTask({ deps, actor: OWNER, input: { taskId: gateId, via: 'button' } });
    expect(tap).toEqual({
      ok: false,
      error: { code: 'phrase_required', taskId: gateId, phrase: 'DEPLOY TO PRODUCTION' },
    });
    expect((await deps.tasks.get(gateId))?.status).toBe('awaiting_approval');
    const typed = await approveTask({
      deps,
      actor: OWNER,
      input: { taskId: gateId, phrase: 'DEPLOY TO PRODUCTION', via: 'phrase' },
    });
    expect(typed.ok && typed.value.status).toBe('queued');
  });
});
