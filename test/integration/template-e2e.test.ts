import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient, startInProcess } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'template-e2e-token-0123456789';

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
    app = await startInProcess({
      dir,
      yaml: 'lease_s: 5\n',
      adminToken: TOKEN,
      path: '/usr/bin:/bin',
      version: 'e2e',
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  const api = adminClient(() => app.url, TOKEN);
  const post = (body: unknown) => api.post<TaskJson>('/api/tasks', body);
  const settled = (id: string, timeoutMs?: number) => api.settled<TaskJson>(id, timeoutMs);

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
