import { createClient, type Client } from '@libsql/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient } from '../helpers/in-process.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'breakers-admin-token-0123456789';

// A stand-in for claude in stream-json: "quick …" prompts finish at once; anything else streams
// one assistant message a tenth of a second, each with one more output token, for a minute.
const FAKE_CLAUDE = `#!/bin/sh
prompt=$(cat)
case "$prompt" in
  quick*)
    printf '{"type":"result","subtype":"success","is_error":false,"result":"quick done","session_id":"s1","total_cost_usd":0.01,"usage":{"input_tokens":1,"output_tokens":1}}\\n'
    exit 0 ;;
esac
echo $$ > "$HOME/claude.pid"
i=1
while [ $i -le 600 ]; do
  printf '{"type":"assistant","message":{"id":"msg_%d","usage":{"input_tokens":0,"output_tokens":1}}}\\n' $i
  i=$((i+1))
  sleep 0.1
done
printf '{"type":"result","subtype":"success","is_error":false,"result":"too late","total_cost_usd":60}\\n'
`;

interface StageJson {
  outcome: string;
  error_class: string | null;
  summary: string | null;
  cost_usd: number;
}
interface TaskJson {
  id: string;
  status: string;
  cost_usd: number;
  stages: StageJson[];
}
interface BreakerJson {
  scope: string;
  period: string;
  state: string;
  spent_usd: number;
  reserved_usd: number;
  threshold_usd: number;
  overridden_by: string | null;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('spend breakers end to end: HTTP → queue → runner → fake claude → ledger', () => {
  let app: RunningSwitchboard;
  let dir: string;
  let db: Client;
  beforeAll(async () => {
    dir = makeTempDir();
    app = await startWithFakeClaude({
      dir,
      adminToken: TOKEN,
      script: FAKE_CLAUDE,
      yaml: [
        'executors:',
        // $0.50 per streamed output token: the halt limit ($5) is ten messages away.
        '  - { name: claude-sonnet, cli: claude, model: sonnet, price: { input_per_mtok: 0, output_per_mtok: 500000 } }',
        'breakers: { task_warn_usd: 2, task_halt_usd: 5, day_block_usd: 100, month_flag_usd: 1000 }',
        'lease_s: 5',
      ],
    });
    db = createClient({ url: `file:${join(dir, 'data', 'switchboard.db')}` });
  }, 60_000);
  afterAll(async () => {
    db?.close();
    await app?.close();
  });

  const api = adminClient(() => app.url, TOKEN);
  const agent = (prompt: string) =>
    api.post<TaskJson>('/api/tasks', { kind: 'agent', executor: 'claude-sonnet', prompt });
  const today = () => new Date().toISOString().slice(0, 10);
  const health = async () =>
    ((await (await fetch(`${app.url}/health`)).json()) as { breakers: BreakerJson[] }).breakers;

  it('halts a task whose streamed usage crosses the per-task limit and kills its process', async () => {
    const { body } = await agent('write a long essay');
    const done = await api.settled<TaskJson>(body.id, 30_000);
    expect(done.status).toBe('failed');
    expect(done.stages[0]).toMatchObject({ outcome: 'failed', error_class: 'halted_by_breaker' });
    expect(done.stages[0]?.summary).toMatch(/per-task spend breaker/);
    expect(done.stages[0]?.cost_usd).toBeGreaterThanOrEqual(5);
    // Killed well before its minute of output: far below the $300 it would have streamed.
    expect(done.cost_usd).toBeLessThan(30);
    const pid = Number(readFileSync(join(dir, 'claude.pid'), 'utf8'));
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
    const day = (await health()).find((b) => b.scope === 'day');
    expect(day).toMatchObject({ period: today(), reserved_usd: 0 });
    expect(day?.spent_usd).toBe(done.cost_usd);
  }, 40_000);

  it('blocks new agent work once the day is spent, shows it in /health, and an owner override lets it through', async () => {
    await db.execute({
      sql: 'update circuit_breakers set spent_usd = 100 where key = ?',
      args: [`day:${today()}`],
    });
    const { body } = await agent('quick fix');
    const blocked = await api.settled<TaskJson>(body.id);
    expect(blocked.status).toBe('failed');
    expect(blocked.stages[0]).toMatchObject({ error_class: 'blocked_by_breaker', cost_usd: 0 });
    expect(blocked.stages[0]?.summary).toMatch(/daily spend breaker.*\/override day/);
    expect((await health()).find((b) => b.scope === 'day')).toMatchObject({ state: 'open' });
    const over = await api.post<BreakerJson>('/api/breakers/day/override', {});
    expect(over.status).toBe(200);
    expect(over.body).toMatchObject({ scope: 'day', overridden_by: 'admin' });
    const audit = await db.execute({
      sql: "select actor from audit_log where action = 'breaker.overridden' and subject = ?",
      args: [`breaker:day:${today()}`],
    });
    expect(audit.rows.map((r) => r['actor'])).toEqual(['admin']);
    const again = await agent('quick fix');
    expect((await api.settled<TaskJson>(again.body.id)).status).toBe('succeeded');
  }, 30_000);

  it('fails closed: while the ledger cannot be written no task starts; it runs once it can', async () => {
    await db.executeMultiple(`
      create trigger ledger_down_i before insert on circuit_breakers
        begin select raise(abort, 'ledger unavailable'); end;
      create trigger ledger_down_u before update on circuit_breakers
        begin select raise(abort, 'ledger unavailable'); end;`);
    const { body } = await agent('quick check');
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await api.get<TaskJson>(body.id)).status).toBe('queued');
    await db.executeMultiple('drop trigger ledger_down_i; drop trigger ledger_down_u;');
    expect((await api.settled<TaskJson>(body.id)).status).toBe('succeeded');
  }, 30_000);
});
