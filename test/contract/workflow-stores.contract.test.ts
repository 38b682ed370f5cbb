import { describe, expect, it } from 'vitest';
import type { NewWorkflowStage, Workflow } from '../../src/core/workflow.js';
import { IMPLEMENTATIONS, useStores } from './implementations.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';

const aWorkflow = (over: Partial<Workflow> = {}): Workflow => ({
  id: 'w1',
  title: 'Fix the flaky login test',
  goal: null,
  acceptance: [],
  status: 'open',
  verdict: null,
  verdictNotes: null,
  requester: 'client:planner',
  channel: 'mcp',
  createdAt: T0,
  updatedAt: T0,
  closedAt: null,
  ...over,
});

const aStage = (over: Partial<NewWorkflowStage> = {}): NewWorkflowStage => ({
  id: 's1',
  workflowId: 'w1',
  kind: 'log',
  name: 'review',
  taskId: null,
  executor: null,
  outcome: 'succeeded',
  output: null,
  costUsd: 0,
  latencyMs: null,
  tokensIn: 0,
  tokensOut: 0,
  createdAt: T0,
  ...over,
});

describe.each(IMPLEMENTATIONS)(
  'WorkflowStore and ModelStatsStore contracts (%s)',
  (_name, make) => {
    const stores = useStores(make);

    it('creates a workflow and reads it back as stored; unknown ids are null', async () => {
      const { workflows } = stores();
      await workflows.create(aWorkflow({ goal: 'green CI', acceptance: ['a', 'b'] }));
      expect(await workflows.get('w1')).toEqual(
        aWorkflow({ goal: 'green CI', acceptance: ['a', 'b'] }),
      );
      expect(await workflows.get('nope')).toBeNull();
      await expect(workflows.create(aWorkflow())).rejects.toThrow();
    });

    it('replaces the acceptance criteria of an open workflow only', async () => {
      const { workflows } = stores();
      await workflows.create(aWorkflow({ acceptance: ['old'] }));
      const specced = await workflows.setSpec('w1', ['tests pass', 'no new warnings'], T1);
      expect(specced).toMatchObject({
        acceptance: ['tests pass', 'no new warnings'],
        updatedAt: T1,
      });
      expect((await workflows.get('w1'))?.acceptance).toEqual(['tests pass', 'no new warnings']);
      expect(await workflows.setSpec('nope', ['x'], T1)).toBeNull();
      await workflows.close('w1', 'passed', null, T1);
      expect(await workflows.setSpec('w1', ['changed'], T1)).toBeNull();
      expect((await workflows.get('w1'))?.acceptance).toEqual(['tests pass', 'no new warnings']);
    });

    it('numbers stages 1, 2, 3 per workflow and lists them in order, with every field intact', async () => {
      const { workflows } = stores();
      await workflows.create(aWorkflow());
      await workflows.create(aWorkflow({ id: 'w2' }));
      const first = await workflows.appendStage(
        aStage({
          id: 's1',
          kind: 'execution',
          taskId: 't1',
          executor: 'codex',
          outcome: null,
          output: 'line 1\nline 2',
          costUsd: 0.25,
          latencyMs: 1200,
          tokensIn: 10,
          tokensOut: 20,
        }),
      );
      expect(first).toEqual({
        ...aStage({
          id: 's1',
          kind: 'execution',
          taskId: 't1',
          executor: 'codex',
          outcome: null,
          output: 'line 1\nline 2',
          costUsd: 0.25,
          latencyMs: 1200,
          tokensIn: 10,
          tokensOut: 20,
        }),
        seq: 1,
      });
      expect((await workflows.appendStage(aStage({ id: 'x1', workflowId: 'w2' })))?.seq).toBe(1);
      expect((await workflows.appendStage(aStage({ id: 's2' })))?.seq).toBe(2);
      expect((await workflows.appendStage(aStage({ id: 's3' })))?.seq).toBe(3);
      const listed = await workflows.listStages('w1');
      expect(listed.map((s) => [s.id, s.seq])).toEqual([
        ['s1', 1],
        ['s2', 2],
        ['s3', 3],
      ]);
      expect(listed[0]).toEqual(first);
      expect(await workflows.listStages('nope')).toEqual([]);
    });

    it('gives concurrent appends distinct, consecutive seqs', async () => {
      const { workflows } = stores();
      await workflows.create(aWorkflow());
      const made = await Promise.all(
        Array.from({ length: 10 }, (_, i) => workflows.appendStage(aStage({ id: `s${i}` }))),
      );
      expect(made.map((s) => s?.seq).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
    });

    it('refuses stages for a missing or closed workflow', async () => {
      const { workflows } = stores();
      expect(await workflows.appendStage(aStage({ workflowId: 'nope' }))).toBeNull();
      await workflows.create(aWorkflow());
      await workflows.close('w1', 'failed', 'flaky', T1);
      expect(await workflows.appendStage(aStage())).toBeNull();
      expect(await workflows.listStages('w1')).toEqual([]);
    });

    it('closes once with the verdict; a second close changes nothing', async () => {
      const { workflows } = stores();
      await workflows.create(aWorkflow());
      const closed = await workflows.close('w1', 'passed', 'all criteria met', T1);
      expect(closed).toEqual(
        aWorkflow({
          status: 'closed',
          verdict: 'passed',
          verdictNotes: 'all criteria met',
          updatedAt: T1,
          closedAt: T1,
        }),
      );
      expect(await workflows.close('w1', 'failed', null, '2026-01-02T00:00:00.000Z')).toBeNull();
      expect(await workflows.get('w1')).toEqual(closed);
      expect(await workflows.close('nope', 'passed', null, T1)).toBeNull();
    });

    it('adds runs into per executor and kind totals', async () => {
      const { modelStats } = stores();
      expect(await modelStats.list()).toEqual([]);
      const run = { executor: 'codex', taskKind: 'agent', at: T0 };
      await modelStats.record({
        ...run,
        success: true,
        costUsd: 0.5,
        latencyMs: 1000,
        tokens: 100,
      });
      await modelStats.record({
        ...run,
        success: false,
        costUsd: 0.25,
        latencyMs: null,
        tokens: 50,
        at: T1,
      });
      await modelStats.record({
        executor: 'codex',
        taskKind: 'shell',
        success: true,
        costUsd: 0,
        latencyMs: 10,
        tokens: 0,
        at: T0,
      });
      await modelStats.record({
        executor: 'claude-sonnet',
        taskKind: 'agent',
        success: true,
        costUsd: 1,
        latencyMs: 3000,
        tokens: 10,
        at: T0,
      });
      expect(await modelStats.list()).toEqual([
        {
          executor: 'claude-sonnet',
          taskKind: 'agent',
          runs: 1,
          successes: 1,
          failures: 0,
          totalCostUsd: 1,
          totalLatencyMs: 3000,
          totalTokens: 10,
          updatedAt: T0,
        },
        {
          executor: 'codex',
          taskKind: 'agent',
          runs: 2,
          successes: 1,
          failures: 1,
          totalCostUsd: 0.75,
          totalLatencyMs: 1000,
          totalTokens: 150,
          updatedAt: T1,
        },
        {
          executor: 'codex',
          taskKind: 'shell',
          runs: 1,
          successes: 1,
          failures: 0,
          totalCostUsd: 0,
          totalLatencyMs: 10,
          totalTokens: 0,
          updatedAt: T0,
        },
      ]);
    });

    it('loses no run when many are recorded at once', async () => {
      const { modelStats } = stores();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          modelStats.record({
            executor: 'shell',
            taskKind: 'shell',
            success: i % 4 !== 0,
            costUsd: 0.125,
            latencyMs: 5,
            tokens: 1,
            at: T0,
          }),
        ),
      );
      expect(await modelStats.list()).toMatchObject([
        {
          runs: 20,
          successes: 15,
          failures: 5,
          totalCostUsd: 2.5,
          totalLatencyMs: 100,
          totalTokens: 20,
        },
      ]);
    });
  },
);
