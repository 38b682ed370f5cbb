import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { DomainError } from '../../src/core/errors.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import type { Result } from '../../src/core/result.js';
import { EMPTY_STAGE_RESULT } from '../../src/core/stage.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { closeWorkflow } from '../../src/core/use-cases/close-workflow.js';
import { compareWorkflowStages } from '../../src/core/use-cases/compare-workflow-stages.js';
import { completeTask } from '../../src/core/use-cases/complete-task.js';
import { initWorkflow } from '../../src/core/use-cases/init-workflow.js';
import { listModelStats } from '../../src/core/use-cases/query-model-stats.js';
import { specWorkflow } from '../../src/core/use-cases/spec-workflow.js';
import { submitWorkflowTask } from '../../src/core/use-cases/submit-workflow-task.js';
import { getWorkflowState } from '../../src/core/use-cases/workflow-state.js';
import { writeWorkflowStage } from '../../src/core/use-cases/write-workflow-stage.js';
import { coreDepsFor } from '../helpers/core-deps.js';

const ME: Actor = { id: 'client:planner', role: 'approver', channel: 'mcp' };
const OTHER: Actor = { id: 'client:other', role: 'approver', channel: 'mcp' };
const OWNER: Actor = { id: 'mcp:admin', role: 'owner', channel: 'mcp' };
const VIEWER: Actor = { id: 'client:viewer', role: 'viewer', channel: 'mcp' };
const RUNNER: Actor = { id: 'runner-1', role: 'runner', channel: 'runner' };

const setup = (overrides: Partial<CoreDeps> = {}) =>
  coreDepsFor(createMemoryStores(), {
    clock: createFixedClock(),
    ids: createSequentialIds(),
    ...overrides,
  });

function unwrap<T>(r: Result<T, DomainError>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}
function failure<T>(r: Result<T, DomainError>): DomainError {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

async function runEcho(deps: CoreDeps, workflowId: string, outcome: 'succeeded' | 'failed') {
  const { task } = unwrap(
    await submitWorkflowTask({
      deps,
      actor: ME,
      input: { workflowId, draft: { kind: 'shell', host: 'local', argv: ['uname', '-s'] } },
    }),
  );
  const claim = unwrap(
    await claimNextTask({
      deps,
      actor: RUNNER,
      input: { runnerId: RUNNER.id, serves: ['local', 'build-vm'] },
    }),
  );
  if (!claim) throw new Error('nothing to claim');
  return unwrap(
    await completeTask({
      deps,
      actor: RUNNER,
      input: {
        taskId: task.id,
        fencingToken: claim.lease.fencingToken,
        outcome,
        result: {
          ...EMPTY_STAGE_RESULT,
          exitCode: 0,
          latencyMs: 40,
          costUsd: 0.5,
          tokensIn: 3,
          tokensOut: 4,
        },
      },
    }),
  );
}

describe('workflow use cases', () => {
  it('keeps a workflow to its requester and owners: others get not_found, viewers may only read', async () => {
    const deps = setup();
    const w = unwrap(await initWorkflow({ deps, actor: ME, input: { title: 'Fix login' } }));
    expect(w).toMatchObject({ requester: ME.id, channel: 'mcp', status: 'open' });
    expect(
      failure(await specWorkflow({ deps, actor: OTHER, input: { id: w.id, acceptance: ['x'] } })),
    ).toEqual({
      code: 'not_found',
      entity: 'workflow',
      id: w.id,
    });
    expect(failure(await getWorkflowState({ deps, actor: OTHER, input: { id: w.id } })).code).toBe(
      'not_found',
    );
    unwrap(await specWorkflow({ deps, actor: OWNER, input: { id: w.id, acceptance: ['x'] } }));
    expect(failure(await initWorkflow({ deps, actor: VIEWER, input: { title: 't' } })).code).toBe(
      'forbidden',
    );
  });

  it('validates every input and caps long output', async () => {
    const deps = setup();
    expect(failure(await initWorkflow({ deps, actor: ME, input: { title: '  ' } })).code).toBe(
      'invalid_input',
    );
    const w = unwrap(await initWorkflow({ deps, actor: ME, input: { title: 't' } }));
    expect(
      failure(await specWorkflow({ deps, actor: ME, input: { id: w.id, acceptance: [] } })).code,
    ).toBe('invalid_input');
    const tooMany = Array.from({ length: 21 }, (_, i) => `c${i}`);
    expect(
      failure(await specWorkflow({ deps, actor: ME, input: { id: w.id, acceptance: tooMany } }))
        .code,
    ).toBe('invalid_input');
    expect(
      failure(
        await specWorkflow({ deps, actor: ME, input: { id: w.id, acceptance: ['x'.repeat(501)] } }),
      ).code,
    ).toBe('invalid_input');
    expect(
      failure(
        await writeWorkflowStage({
          deps,
          actor: ME,
          input: { id: w.id, name: 'n', outcome: 'succeeded', costUsd: -1 },
        }),
      ).code,
    ).toBe('invalid_input');
    const written = unwrap(
      await writeWorkflowStage({
        deps,
        actor: ME,
        input: { id: w.id, name: 'n', outcome: 'succeeded', output: 'y'.repeat(30_000) },
      }),
    );
    expect(written.outputTruncated).toBe(true);
    expect(written.stage.output?.length).toBe(20_000);
    expect(written.statsRecorded).toBe(false);
  });

  it('closes once; a closed workflow refuses spec, write, execute and a second close', async () => {
    const deps = setup();
    const w = unwrap(await initWorkflow({ deps, actor: ME, input: { title: 't' } }));
    unwrap(await closeWorkflow({ deps, actor: ME, input: { id: w.id, verdict: 'abandoned' } }));
    const closed = { code: 'workflow_closed', workflowId: w.id, verdict: 'abandoned' };
    expect(
      failure(await closeWorkflow({ deps, actor: ME, input: { id: w.id, verdict: 'passed' } })),
    ).toEqual(closed);
    expect(
      failure(await specWorkflow({ deps, actor: ME, input: { id: w.id, acceptance: ['a'] } })),
    ).toEqual(closed);
    expect(
      failure(
        await writeWorkflowStage({
          deps,
          actor: ME,
          input: { id: w.id, name: 'n', outcome: 'failed' },
        }),
      ),
    ).toEqual(closed);
    expect(
      failure(
        await submitWorkflowTask({
          deps,
          actor: ME,
          input: { workflowId: w.id, draft: { kind: 'shell', host: 'local', argv: ['ls'] } },
        }),
      ),
    ).toEqual(closed);
    expect((await deps.tasks.list({ limit: 10 })).items).toEqual([]);
  });

  it('logs executions as stages, records finished runs in model_stats, and says what comes next', async () => {
    const deps = setup();
    const w = unwrap(await initWorkflow({ deps, actor: ME, input: { title: 't' } }));
    expect(unwrap(await getWorkflowState({ deps, actor: ME, input: { id: w.id } })).next).toMatch(
      /^spec missing/,
    );
    unwrap(await specWorkflow({ deps, actor: ME, input: { id: w.id, acceptance: ['prints hi'] } }));
    await runEcho(deps, w.id, 'succeeded');
    await runEcho(deps, w.id, 'failed');
    const stages = await deps.workflows.listStages(w.id);
    expect(stages.map((s) => [s.seq, s.kind, s.name, s.executor])).toEqual([
      [1, 'execution', 'uname -s', 'shell'],
      [2, 'execution', 'uname -s', 'shell'],
    ]);
    expect(unwrap(await listModelStats({ deps, actor: ME, input: {} }))).toEqual([
      {
        executor: 'shell',
        taskKind: 'shell',
        runs: 2,
        successes: 1,
        failures: 1,
        successRate: 0.5,
        avgCostUsd: 0.5,
        avgLatencyMs: 40,
        totalTokens: 14,
        avgTokens: 7,
      },
    ]);
    const state = unwrap(await getWorkflowState({ deps, actor: ME, input: { id: w.id } }));
    expect(state.next).toMatch(/^last stage 2 ended failed/);
    const c = unwrap(await compareWorkflowStages({ deps, actor: ME, input: { id: w.id } }));
    expect(c.agreement).toBe(1);
  });

  it('completes a task even when model_stats cannot be written', async () => {
    const deps = setup();
    const broken = {
      ...deps,
      modelStats: {
        record: () => Promise.reject(new Error('disk full')),
        list: deps.modelStats.list,
      },
    };
    const w = unwrap(await initWorkflow({ deps: broken, actor: ME, input: { title: 't' } }));
    const task = await runEcho(broken, w.id, 'succeeded');
    expect(task.status).toBe('succeeded');
    expect(await deps.modelStats.list()).toEqual([]);
  });
});
