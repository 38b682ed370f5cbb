import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';
import { adminClient } from '../helpers/in-process.js';

const TOKEN = 'chooser-default-admin-token-0123';

// A stand-in claude: every model succeeds; haiku costs a cent, sonnet twenty.
const FAKE_CLAUDE = `#!/bin/sh
model=""
for a in "$@"; do case "$a" in --model=*) model="\${a#--model=}" ;; esac; done
cat >/dev/null
cost=0.2; [ "$model" = haiku ] && cost=0.01
printf '{"type":"result","subtype":"success","is_error":false,"result":"done by %s","total_cost_usd":%s}\\n' "$model" "$cost"
`;

const EXECUTORS = [
  'executors:',
  '  - { name: claude-sonnet, cli: claude, model: sonnet }',
  '  - { name: claude-haiku, cli: claude, model: haiku }',
  'default_executor: claude-sonnet',
];

interface Detail {
  id: string;
  status: string;
  executor: string;
  executor_reason: string | null;
  audit: { action: string; detail: Record<string, unknown> }[];
}

async function start(chooser: string[]) {
  return startWithFakeClaude({
    adminToken: TOKEN,
    script: FAKE_CLAUDE,
    yaml: ['users: []', ...EXECUTORS, ...chooser],
  });
}

function client(app: () => RunningSwitchboard) {
  const api = adminClient(() => app().url, TOKEN);
  return async (executor?: string) => {
    const r = await api.post('/api/tasks', {
      kind: 'agent',
      prompt: 'tidy the readme',
      host: 'local',
      ...(executor ? { executor } : {}),
    });
    expect(r.status).toBe(201);
    return api.settled<Detail>(r.body.id);
  };
}

describe('chooser as the default executor (chooser.default_executor: true)', () => {
  let app: RunningSwitchboard;
  const run = client(() => app);
  beforeAll(async () => {
    app = await start(['chooser: { default_executor: true, min_runs: 2, min_success_rate: 0.5 }']);
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  it('falls back to the configured default while the stats are too thin, and says so', async () => {
    const first = await run();
    expect(first.executor).toBe('claude-sonnet');
    expect(first.executor_reason).toBe(
      'chooser: No runs of task kind "agent" are recorded yet. The default executor claude-sonnet runs it.',
    );
    // One haiku run is not enough evidence (min_runs: 2).
    await run('claude-haiku');
    const second = await run();
    expect(second.executor).toBe('claude-sonnet');
    expect(second.executor_reason).toMatch(/^chooser: None has ≥ 50% success over ≥ 2 runs; /);
  });

  it('picks the cheapest executor with enough successes once there are, with its one-line reason in the audit', async () => {
    await run('claude-haiku');
    const picked = await run();
    expect(picked.status).toBe('succeeded');
    expect(picked.executor).toBe('claude-haiku');
    expect(picked.executor_reason).toMatch(
      /^chooser: claude-haiku: cheapest of 2 qualified \(avg \$0\.0100, 100% success over 2 runs\)\.$/,
    );
    const submitted = picked.audit.find((a) => a.action === 'task.submitted');
    expect(submitted?.detail).toMatchObject({
      executor: 'claude-haiku',
      executor_reason: picked.executor_reason,
    });
    // A request that names its executor keeps it, and no reason is recorded.
    const named = await run('claude-sonnet');
    expect(named.executor).toBe('claude-sonnet');
    expect(named.executor_reason).toBeNull();
  });
});

describe('chooser off (the default)', () => {
  let app: RunningSwitchboard;
  const run = client(() => app);
  beforeAll(async () => {
    app = await start([]);
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  it('runs unnamed agent tasks on the configured default, however good the stats of another', async () => {
    await run('claude-haiku');
    await run('claude-haiku');
    const plain = await run();
    expect(plain.executor).toBe('claude-sonnet');
    expect(plain.executor_reason).toBeNull();
  });
});
