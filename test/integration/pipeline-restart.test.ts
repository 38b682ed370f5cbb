import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/switchboard-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

// A pipeline with two approval gates and a validation step, run by a real `switchboard start`
// on host local, stopped and started again while it waits at each gate (SPEC §3.9).
const TOKEN = 'pipeline-admin-token-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

const RELEASE = `---
description: Plan, apply and check a release, with a tap before each change.
params:
  name: { required: true }
risk: { dev: low }
steps:
  - { name: plan, argv: [sh, -c, 'echo "plan $1" >> steps.log', plan, '{{name}}'] }
  - { name: apply, gate: approval, argv: [sh, -c, 'echo "apply $1" >> steps.log', apply, '{{name}}'] }
  - { name: publish, gate: approval, argv: [sh, -c, 'echo "publish $1" >> steps.log', publish, '{{name}}'] }
  - { name: check, gate: validation, argv: [grep, -q, publish, steps.log] }
---
A pipeline for the restart test.
`;

interface StepJson {
  name: string;
  task_id: string | null;
  outcome: string | null;
  handoff: string | null;
}
interface PipelineTaskJson {
  id: string;
  status: string;
  pipeline?: { status: string; current_step: number; steps: StepJson[] };
}

const running: RunningCli[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
});

describe('pipelines survive restarts', () => {
  it('a pipeline with two gates resumes after a restart at each gate and runs every step once', async () => {
    const dir = makeTempDir();
    const work = join(dir, 'work');
    mkdirSync(join(dir, 'templates'));
    mkdirSync(work);
    writeFileSync(join(dir, 'templates', 'release.md'), RELEASE);
    writeFileSync(
      join(dir, 'switchboard.yaml'),
      `templates_dir: ./templates\nrepos:\n  - { name: work, host: local, path: ${work} }\n`,
    );
    const env = {
      SWITCHBOARD_ADMIN_TOKEN: TOKEN,
      SWITCHBOARD_CONFIG: join(dir, 'switchboard.yaml'),
    };
    const start = async () => {
      const app = await startCli(dir, env);
      running.push(app);
      return app;
    };
    const call = async (app: RunningCli, path: string, body?: unknown) => {
      const res = await fetch(`${app.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as PipelineTaskJson;
    };
    const until = async (app: RunningCli, id: string, ok: (t: PipelineTaskJson) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const t = await call(app, `/api/tasks/${id}`);
        if (ok(t)) return t;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(
        `pipeline never got there: ${JSON.stringify(await call(app, `/api/tasks/${id}`))}`,
      );
    };
    const atGate = (step: number) => (t: PipelineTaskJson) =>
      t.pipeline?.status === 'waiting' && t.pipeline.current_step === step;

    let app = await start();
    const created = await call(app, '/api/tasks', {
      kind: 'template',
      template: 'release',
      repo: 'work',
      params: { name: 'v1; rm -rf /' },
    });
    expect(created.status).toBe('queued');
    let task = await until(app, created.id, atGate(1));
    expect(task.status).toBe('running');
    expect(task.pipeline?.steps[1]?.handoff).toMatch(
      /^Pipeline release, step 2 of 4\. Ran: 1\. plan: succeeded\./,
    );

    await app.stop();
    app = await start();
    // Still waiting after the restart; the tap lets it go on.
    task = await call(app, `/api/tasks/${created.id}`);
    expect(task.pipeline).toMatchObject({ status: 'waiting', current_step: 1 });
    await call(app, `/api/tasks/${task.pipeline?.steps[1]?.task_id}/approve`, {});
    task = await until(app, created.id, atGate(2));

    await app.stop();
    app = await start();
    await call(app, `/api/tasks/${task.pipeline?.steps[2]?.task_id}/approve`, {});
    task = await until(app, created.id, (t) => t.status === 'succeeded' || t.status === 'failed');
    expect(task.status).toBe('succeeded');
    expect(task.pipeline?.steps.map((s) => s.outcome)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    // Each step ran exactly once, the hostile name as one argument.
    expect(readFileSync(join(work, 'steps.log'), 'utf8')).toBe(
      'plan v1; rm -rf /\napply v1; rm -rf /\npublish v1; rm -rf /\n',
    );
  }, 90_000);
});
