import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatConfigError } from '../../src/entry/config/load-config.js';
import { loadTemplates } from '../../src/entry/templates/load-templates.js';
import { createTestApp, TEST_CATALOG, type TestApp } from '../helpers/test-app.js';

// The shipped examples in templates/, loaded the way `switchboard start` loads them.
const loaded = loadTemplates({
  dir: resolve(import.meta.dirname, '../../templates'),
  required: true,
  configSource: 'test',
  hosts: TEST_CATALOG.hosts,
});
if (!loaded.ok) throw new Error(formatConfigError(loaded.error));
const CATALOG = { ...TEST_CATALOG, templates: loaded.value };

interface Created {
  id: string;
  status: string;
  host: string;
  environment: string | null;
  params: Record<string, unknown>;
  argv: string[] | null;
  risk: string;
  gate: string;
  approval: { gate: string; required_phrase: string | null } | null;
}
interface Refused {
  error: string;
  message: string;
  issues: { path: string; message: string }[];
}

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ catalog: CATALOG });
});
afterEach(() => t.dispose());

const post = (body: unknown) => t.send('POST', '/api/tasks', body);
const deploy = (environment: string, params: Record<string, unknown> = { service: 'api' }) =>
  post({ kind: 'template', template: 'deploy', environment, params });

describe('POST /api/tasks with the shipped templates', () => {
  it('gates a deploy by its environment: none in dev, a tap in staging, the phrase in production', async () => {
    const prod = await deploy('production', { service: 'API', version: 'v1.2.3' });
    expect(prod.status).toBe(201);
    expect(await prod.json()).toMatchObject({
      status: 'awaiting_approval',
      risk: 'high',
      gate: 'typed_phrase',
      host: 'local',
      params: { service: 'api', version: 'v1.2.3' },
      argv: ['./scripts/deploy', '--service=api', '--environment=production', '--version=v1.2.3'],
      approval: { gate: 'typed_phrase', required_phrase: 'DEPLOY TO PRODUCTION' },
    });
    expect(await (await deploy('staging')).json()).toMatchObject({
      status: 'awaiting_approval',
      risk: 'medium',
      gate: 'tap',
      approval: { gate: 'tap', required_phrase: null },
    });
    const dev = (await (await deploy('dev')).json()) as Created;
    expect(dev).toMatchObject({ status: 'queued', risk: 'low', gate: 'none', approval: null });
    expect(dev.argv).toEqual(['./scripts/deploy', '--service=api', '--environment=dev']);
    const stored = await t.stores.tasks.get(dev.id);
    expect(stored).toMatchObject({ kind: 'template', template: 'deploy', argv: dev.argv });
  });

  it('answers bad params with 400, naming each as params.<name>, and stores nothing', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['params.service']],
      [{ service: 'mars' }, ['params.service']],
      [{ service: 'api', colour: 'red' }, ['params.colour']],
      [{ service: 7, colour: 'red' }, ['params.colour', 'params.service']],
    ];
    for (const [params, paths] of cases) {
      const res = await deploy('staging', params);
      expect(res.status).toBe(400);
      const body = (await res.json()) as Refused;
      expect(body.error).toBe('invalid_input');
      expect(body.issues.map((i) => i.path)).toEqual(paths);
      for (const path of paths) expect(body.message).toContain(path);
    }
    const nowhere = await post({
      kind: 'template',
      template: 'deploy',
      params: { service: 'api' },
    });
    expect(nowhere.status).toBe(400);
    expect(((await nowhere.json()) as Refused).issues).toEqual([
      {
        path: 'environment',
        message: 'template deploy runs per environment; expected one of dev, staging, production',
      },
    ]);
    expect((await t.stores.tasks.list({ limit: 10 })).items).toEqual([]);
  });

  it('runs read-only templates at once with their defaults, in dev', async () => {
    const status = (await (
      await post({ kind: 'template', template: 'git-status', repo: 'api' })
    ).json()) as Created;
    expect(status).toMatchObject({
      status: 'queued',
      gate: 'none',
      host: 'build-vm',
      environment: 'dev',
      argv: ['git', 'status', '--short', '--branch'],
    });
    const build = (await (
      await post({ kind: 'template', template: 'hugo-build' })
    ).json()) as Created;
    expect(build).toMatchObject({ status: 'queued', params: { site: '.' } });
    expect(build.argv).toEqual([
      'hugo',
      '--source=.',
      '--environment=dev',
      '--minify',
      '--cleanDestinationDir',
    ]);
    const tests = (await (
      await post({ kind: 'template', template: 'run-tests', params: { filter: 'login; rm -rf /' } })
    ).json()) as Created;
    expect(tests.argv).toEqual(['npm', 'test', '--', 'login; rm -rf /']);
  });
});
