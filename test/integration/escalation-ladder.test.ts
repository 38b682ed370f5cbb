import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient } from '../helpers/in-process.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';
import { LADDER_CLAUDE, LADDER_EXECUTORS } from '../helpers/ladder-claude.js';

const TOKEN = 'escalation-ladder-admin-token-0123';

const FAKE_CLAUDE = LADDER_CLAUDE;

interface Detail {
  status: string;
  executor: string;
  cost_usd: number;
  stages: { executor: string | null; outcome: string; error_class: string | null }[];
  audit: { action: string; detail: Record<string, unknown> }[];
}

/** Switchboard with the stand-in claude and `yaml`, for one describe block; and a climb. */
function ladderApp(yaml: readonly string[]) {
  let app: RunningSwitchboard;
  const api = adminClient(() => app.url, TOKEN);
  beforeAll(async () => {
    app = await startWithFakeClaude({ adminToken: TOKEN, script: FAKE_CLAUDE, yaml: [...yaml] });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });
  /** An escalating agent task on `executor`, followed until it settles. */
  const climb = async (
    prompt: string,
    executor: string,
    extra: Record<string, unknown> = {},
    waitMs = 30_000,
  ) => {
    const r = await api.post('/api/tasks', {
      kind: 'agent',
      executor,
      prompt,
      host: 'local',
      escalate: true,
      ...extra,
    });
    expect(r.status).toBe(201);
    return api.settled<Detail>(r.body.id, waitMs);
  };
  return { api, climb };
}

describe('escalation ladder: a failed agent task climbs one rung per verified failure', () => {
  const { api, climb } = ladderApp(['users: []', ...LADDER_EXECUTORS]);
  const run = (prompt: string, executor: string, escalate = true) =>
    climb(prompt, executor, { escalate, timeout_s: 3 }, 45_000);
  const path = (d: Detail) => d.stages.map((s) => `${s.executor}:${s.outcome}`);

  it('climbs past each failure and stops at the first success, every rung a stage with its cost', async () => {
    const done = await run('fix the hard bug', 'claude-haiku');
    expect(done.status).toBe('succeeded');
    expect(path(done)).toEqual([
      'claude-haiku:failed',
      'claude-sonnet:failed',
      'claude-opus:succeeded',
    ]);
    expect(done.cost_usd).toBeCloseTo(0.26, 5);
    expect(done.audit.some((a) => a.action === 'task.consensus_started')).toBe(false);
    const climbs = done.audit.filter((a) => a.action === 'task.escalated');
    expect(climbs.map((a) => a.detail.to)).toEqual(['claude-sonnet', 'claude-opus']);
    expect(climbs.map((a) => a.detail.skipped)).toEqual([[], []]);
  });

  it('climbs on a timeout too, and not at all when the task did not ask to', async () => {
    const slow = await run('a slow one', 'claude-sonnet');
    expect(path(slow)).toEqual(['claude-sonnet:timed_out', 'claude-opus:succeeded']);
    const plain = await run('fix the hard bug', 'claude-haiku', false);
    expect(plain.status).toBe('failed');
    expect(path(plain)).toEqual(['claude-haiku:failed']);
  });

  it('reaches consensus: two untried executors run as tasks of their own, and both succeeding settles it', async () => {
    const done = await run('a tricky bug', 'claude-haiku');
    expect(done.status).toBe('succeeded');
    // The task's own rungs; the consensus ran as two side tasks.
    expect(path(done)).toEqual([
      'claude-haiku:failed',
      'claude-sonnet:failed',
      'claude-opus:failed',
    ]);
    const toConsensus = done.audit.find((a) => a.detail.to === 'consensus');
    expect(toConsensus?.detail.sides).toEqual(['claude-max', 'claude-ultra']);
    const settled = done.audit.find((a) => a.action === 'task.consensus_settled');
    // "The fix: retry once." from both; "done by max" vs "done by ultra": 1 line of 3.
    expect(settled?.detail.outcome).toBe('succeeded');
    expect(settled?.detail.agreement).toBeCloseTo(1 / 3, 5);
    const sides = settled?.detail.sides as { task: string; executor: string; status: string }[];
    expect(sides.map((x) => `${x.executor}:${x.status}`)).toEqual([
      'claude-max:succeeded',
      'claude-ultra:succeeded',
    ]);
    // Each side is a task with its own stage and cost; the climbing task adds them to its own.
    for (const side of sides) {
      const d = await api.get<Detail>(side.task);
      expect(d.stages.map((x) => `${x.executor}:${x.outcome}`)).toEqual([
        `${side.executor}:succeeded`,
      ]);
      expect(d.cost_usd).toBeCloseTo(0.2, 5);
    }
    expect(done.cost_usd).toBeCloseTo(0.01 + 0.05 + 0.3 + 0.2 + 0.2, 5);
    expect(done.audit.at(-1)?.action).toBe('task.succeeded');
  });

  it('hands over to the operator when every rung fails, consensus included: the task fails with each rung in its history', async () => {
    const done = await run('doomed from the start', 'claude-haiku');
    expect(done.status).toBe('failed');
    expect(path(done)).toEqual([
      'claude-haiku:failed',
      'claude-sonnet:failed',
      'claude-opus:failed',
    ]);
    expect(done.audit.filter((a) => a.action === 'task.escalated').map((a) => a.detail.to)).toEqual(
      ['claude-sonnet', 'claude-opus', 'consensus'],
    );
    const settled = done.audit.find((a) => a.action === 'task.consensus_settled');
    expect(settled?.detail.outcome).toBe('failed');
    expect(done.audit.at(-1)).toMatchObject({ action: 'task.failed', detail: { ladder: 'human' } });
    expect(done.cost_usd).toBeCloseTo(0.01 + 0.05 + 0.3 + 0.02 + 0.02, 5);
  });
});

describe('escalation ladder under the spend breakers', () => {
  const { climb } = ladderApp([
    'users: []',
    'executors:',
    '  - { name: claude-haiku, cli: claude, model: haiku }',
    // Its estimate alone is more than the day's budget: it can never be afforded.
    '  - { name: claude-pricey, cli: claude, model: sonnet, estimate_usd: 25 }',
    '  - { name: claude-opus, cli: claude, model: opus }',
    'ladder: [claude-haiku, claude-pricey, claude-opus, human]',
  ]);

  it('skips a rung whose estimate would breach the day’s budget, and says so', async () => {
    const done = await climb('fix it', 'claude-haiku');
    expect(done.stages.map((s) => `${s.executor}:${s.outcome}`)).toEqual([
      'claude-haiku:failed',
      'claude-opus:succeeded',
    ]);
    const climbed = done.audit.find((a) => a.action === 'task.escalated');
    expect(climbed?.detail).toMatchObject({
      to: 'claude-opus',
      skipped: ['claude-pricey'],
      skip_reasons: { 'claude-pricey': 'its estimate would breach a spend breaker' },
    });
  });
});

describe('escalation ladder: a consensus rung is skipped when its two sides do not fit the day together', () => {
  const { climb } = ladderApp([
    'users: []',
    // $1 a day, $0.50 reserved per run: one more rung fits after the first two, two do not.
    'breakers: { day_block_usd: 1, estimate_usd: 0.5 }',
    'executors:',
    '  - { name: claude-haiku, cli: claude, model: haiku }',
    '  - { name: claude-opus, cli: claude, model: opus }',
    'ladder: [claude-haiku, claude-opus, consensus, human]',
  ]);

  it('goes from the last executor straight to the operator, naming consensus as unaffordable', async () => {
    const done = await climb('doomed', 'claude-haiku');
    expect(done.stages.map((s) => `${s.executor}:${s.outcome}`)).toEqual([
      'claude-haiku:failed',
      'claude-opus:failed',
    ]);
    expect(done.audit.some((a) => a.action === 'task.consensus_started')).toBe(false);
    expect(done.audit.at(-1)?.detail).toMatchObject({
      ladder: 'human',
      skipped: ['consensus'],
      skip_reasons: { consensus: 'no two configured executors it can afford' },
    });
  });
});
