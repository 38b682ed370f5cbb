import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient } from '../helpers/in-process.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';

const TOKEN = 'escalation-ladder-admin-token-0123';

// A stand-in claude: haiku always fails (is_error, exit 1); sonnet fails prompts that say
// "hard" and times out on "slow"; opus succeeds unless the prompt is "doomed". Each run costs something, as real ones do.
const FAKE_CLAUDE = `#!/bin/sh
model=""; prev=""
for a in "$@"; do if [ "$prev" = "--model" ]; then model="$a"; fi; prev="$a"; done
prompt=$(cat)
fail() { printf '{"type":"result","subtype":"error","is_error":true,"result":"%s could not do it","total_cost_usd":%s}\\n' "$model" "$1"; exit 1; }
case "$model" in
  haiku) fail 0.01 ;;
  sonnet) case "$prompt" in *hard*|*doomed*) fail 0.05 ;; *slow*) sleep 30 ;; esac ;;
  opus) case "$prompt" in *doomed*) fail 0.3 ;; esac ;;
esac
printf '{"type":"result","subtype":"success","is_error":false,"result":"done by %s","total_cost_usd":0.2}\\n' "$model"
`;

interface Detail {
  status: string;
  executor: string;
  cost_usd: number;
  stages: { executor: string | null; outcome: string; error_class: string | null }[];
  audit: { action: string; detail: Record<string, unknown> }[];
}

describe('escalation ladder: a failed agent task climbs one rung per verified failure', () => {
  let app: RunningSwitchboard;
  const api = adminClient(() => app.url, TOKEN);
  beforeAll(async () => {
    app = await startWithFakeClaude({
      adminToken: TOKEN,
      script: FAKE_CLAUDE,
      yaml: [
        'users: []',
        'executors:',
        '  - { name: claude-haiku, cli: claude, model: haiku }',
        '  - { name: claude-sonnet, cli: claude, model: sonnet }',
        '  - { name: claude-opus, cli: claude, model: opus }',
        'ladder: [claude-haiku, claude-sonnet, consensus, claude-opus, human]',
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  const run = async (prompt: string, executor: string, escalate = true) => {
    const r = await api.post('/api/tasks', {
      kind: 'agent',
      executor,
      prompt,
      host: 'local',
      escalate,
      timeout_s: 3,
    });
    expect(r.status).toBe(201);
    return api.settled<Detail>(r.body.id, 45_000);
  };
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
    const climbs = done.audit.filter((a) => a.action === 'task.escalated');
    expect(climbs.map((a) => a.detail.to)).toEqual(['claude-sonnet', 'claude-opus']);
    // consensus as a rung is passed over, and the history says so.
    expect(climbs[1]?.detail.skipped).toEqual(['consensus']);
  });

  it('climbs on a timeout too, and not at all when the task did not ask to', async () => {
    const slow = await run('a slow one', 'claude-sonnet');
    expect(path(slow)).toEqual(['claude-sonnet:timed_out', 'claude-opus:succeeded']);
    const plain = await run('fix the hard bug', 'claude-haiku', false);
    expect(plain.status).toBe('failed');
    expect(path(plain)).toEqual(['claude-haiku:failed']);
  });

  it('hands over to the operator when every rung fails: the task fails with each rung in its history', async () => {
    const done = await run('doomed from the start', 'claude-haiku');
    expect(done.status).toBe('failed');
    expect(path(done)).toEqual([
      'claude-haiku:failed',
      'claude-sonnet:failed',
      'claude-opus:failed',
    ]);
    expect(done.audit.filter((a) => a.action === 'task.escalated')).toHaveLength(2);
    expect(done.audit.at(-1)?.action).toBe('task.failed');
  });
});

describe('escalation ladder under the spend breakers', () => {
  let app: RunningSwitchboard;
  const api = adminClient(() => app.url, TOKEN);
  beforeAll(async () => {
    app = await startWithFakeClaude({
      adminToken: TOKEN,
      script: FAKE_CLAUDE,
      yaml: [
        'users: []',
        'executors:',
        '  - { name: claude-haiku, cli: claude, model: haiku }',
        // Its estimate alone is more than the day's budget: it can never be afforded.
        '  - { name: claude-pricey, cli: claude, model: sonnet, estimate_usd: 25 }',
        '  - { name: claude-opus, cli: claude, model: opus }',
        'ladder: [claude-haiku, claude-pricey, claude-opus, human]',
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  it('skips a rung whose estimate would breach the day’s budget, and says so', async () => {
    const r = await api.post('/api/tasks', {
      kind: 'agent',
      executor: 'claude-haiku',
      prompt: 'fix it',
      host: 'local',
      escalate: true,
    });
    const done = await api.settled<Detail>(r.body.id, 30_000);
    expect(done.stages.map((s) => `${s.executor}:${s.outcome}`)).toEqual([
      'claude-haiku:failed',
      'claude-opus:succeeded',
    ]);
    const climb = done.audit.find((a) => a.action === 'task.escalated');
    expect(climb?.detail).toMatchObject({ to: 'claude-opus', skipped: ['claude-pricey'] });
  });
});
