import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';
import { formatConfigError, loadConfig } from '../../src/entry/config/load-config.js';
import { startSwitchboard, type RunningSwitchboard } from '../../src/entry/node.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'template-e2e-token-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

const GREET = `---
description: Print a greeting.
params:
  greeting: { required: true }
argv: [echo, "{{greeting}}"]
risk: { dev: low }
timeout_s: 10
---

Echoes its one parameter.
`;
const HELLO = `---
description: Say hello from the environment.
triggers: [say hello]
argv: [echo, "hello from {{environment}}"]
risk: { dev: low }
---
`;

interface TaskJson {
  id: string;
  status: string;
  kind: string;
  argv: string[] | null;
  stages: { outcome: string; exit_code: number | null; stdout_tail: string | null }[];
}

describe('a template task runs end to end through the embedded runner on host local', () => {
  let app: RunningSwitchboard;
  let dir: string;
  beforeAll(async () => {
    dir = makeTempDir();
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'greet.md'), GREET);
    writeFileSync(join(dir, 'templates', 'hello.md'), HELLO);
    writeFileSync(join(dir, 'switchboard.yaml'), 'lease_s: 5\n');
    const config = loadConfig({
      env: {
        PORT: '0',
        SWITCHBOARD_DATA_DIR: join(dir, 'data'),
        SWITCHBOARD_CONFIG: join(dir, 'switchboard.yaml'),
        SWITCHBOARD_ADMIN_TOKEN: TOKEN,
        PATH: '/usr/bin:/bin',
        HOME: dir,
      },
      cwd: dir,
      version: 'e2e',
      readFile: (p) => readFileSync(p, 'utf8'),
    });
    if (!config.ok) throw new Error(formatConfigError(config.error));
    app = await startSwitchboard(config.value, SILENT_LOGGER);
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${app.url}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as TaskJson };
  };
  const get = async (id: string) =>
    (await (await fetch(`${app.url}/api/tasks/${id}`, { headers })).json()) as TaskJson;
  async function settled(id: string, timeoutMs = 15_000): Promise<TaskJson> {
    for (
      const end = Date.now() + timeoutMs;
      Date.now() < end;
      await new Promise((r) => setTimeout(r, 50))
    ) {
      const task = await get(id);
      if (!['queued', 'running', 'awaiting_approval'].includes(task.status)) return task;
    }
    throw new Error(`task ${id} did not finish: ${JSON.stringify(await get(id))}`);
  }

  it('renders the argv at submit time and runs it like a command, the value as one word', async () => {
    const pwned = join(dir, 'pwned');
    const greeting = `hi; touch ${pwned} $(touch ${pwned}) \`touch ${pwned}\``;
    const { status, body } = await post({
      kind: 'template',
      template: 'greet',
      params: { greeting },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ kind: 'template', status: 'queued', argv: ['echo', greeting] });
    const done = await settled(body.id);
    expect(done.status).toBe('succeeded');
    expect(done.stages[0]).toMatchObject({
      outcome: 'succeeded',
      exit_code: 0,
      stdout_tail: `${greeting}\n`,
    });
    expect(existsSync(pwned)).toBe(false);
  });

  it('finds a template by its trigger phrase in free text', async () => {
    const { status, body } = await post({ text: 'say hello' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ kind: 'template', argv: ['echo', 'hello from dev'] });
    const done = await settled(body.id);
    expect(done.stages[0]?.stdout_tail).toBe('hello from dev\n');
  });
});
