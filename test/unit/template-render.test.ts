import { describe, expect, it } from 'vitest';
import { placeholdersOf, renderTemplate } from '../../src/core/template-render.js';
import type { ParamValue } from '../../src/core/task.js';
import { testParam, testTemplate } from '../helpers/templates.js';
import { INJECTIONS } from '../helpers/injections.js';

const DEPLOY = testTemplate({
  name: 'deploy',
  params: [
    testParam({ name: 'service', required: true, values: ['klm', 'api'] }),
    testParam({ name: 'replicas', type: 'number', default: 2 }),
    testParam({ name: 'dry_run', type: 'boolean', default: false }),
    testParam({ name: 'note' }),
  ],
  argv: [
    'deploy',
    '--service={{service}}',
    '--env={{ environment }}',
    '--replicas={{replicas}}',
    '--dry-run={{dry_run}}',
    '--note',
    '{{note}}',
  ],
});

function render(params: Record<string, ParamValue>, environment: 'dev' | null = 'dev') {
  const result = renderTemplate(DEPLOY, params, environment);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.issues)}`);
  return result.value;
}

const issuesOf = (params: Record<string, ParamValue>, environment: 'dev' | null = 'dev') => {
  const result = renderTemplate(DEPLOY, params, environment);
  return result.ok ? [] : result.issues;
};

describe('renderTemplate', () => {
  it('substitutes params and the environment and applies defaults', () => {
    expect(render({ service: 'klm', note: 'hello' })).toEqual({
      argv: [
        'deploy',
        '--service=klm',
        '--env=dev',
        '--replicas=2',
        '--dry-run=false',
        '--note',
        'hello',
      ],
      params: { service: 'klm', replicas: 2, dry_run: false, note: 'hello' },
    });
  });

  it('leaves out an element whose optional param has no value', () => {
    expect(render({ service: 'klm' }).argv).toEqual([
      'deploy',
      '--service=klm',
      '--env=dev',
      '--replicas=2',
      '--dry-run=false',
      '--note',
    ]);
    expect(render({ service: 'klm', note: '  ' }).params).not.toHaveProperty('note');
  });

  it('coerces text from chat to the declared type', () => {
    expect(render({ service: 'KLM', replicas: '3', dry_run: 'yes' }).params).toEqual({
      service: 'klm',
      replicas: 3,
      dry_run: true,
    });
    expect(render({ service: 'api', replicas: ' 1.5 ', dry_run: 'Off' }).params).toMatchObject({
      replicas: 1.5,
      dry_run: false,
    });
    expect(render({ service: 'api', note: 42 }).params.note).toBe('42');
    expect(render({ service: 'api', dry_run: '1' }).params.dry_run).toBe(true);
  });

  it.each<[string, Record<string, ParamValue>, string]>([
    ['a number that is not one', { service: 'klm', replicas: 'three' }, 'expected a number'],
    ['a number given as a boolean', { service: 'klm', replicas: true }, 'expected a number'],
    ['an infinite number', { service: 'klm', replicas: '1e999' }, 'expected a number'],
    ['a boolean that is not one', { service: 'klm', dry_run: 'maybe' }, 'expected true or false'],
    ['a value outside the enum', { service: 'mars' }, 'expected one of klm, api'],
  ])('refuses %s, naming the param', (_, params, message) => {
    const issues = issuesOf(params);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toMatch(/^params\./);
    expect(issues[0]?.message).toContain(message);
  });

  it('names unknown and missing params together', () => {
    expect(issuesOf({ servce: 'klm' })).toEqual([
      { path: 'params.servce', message: expect.stringContaining('expected one of service') },
      { path: 'params.service', message: 'required (string); expected one of klm, api' },
    ]);
    const bare = testTemplate({ name: 'bare' });
    expect(renderTemplate(bare, { x: 1 }, null)).toEqual({
      ok: false,
      issues: [{ path: 'params.x', message: 'unknown parameter; template bare takes none' }],
    });
  });

  it('needs an environment when the argv uses one', () => {
    expect(issuesOf({ service: 'klm' }, null)).toEqual([
      { path: 'environment', message: expect.stringContaining('dev, staging, production') },
    ]);
    const plain = testTemplate({ name: 'plain', argv: ['ls'] });
    expect(renderTemplate(plain, {}, null)).toEqual({
      ok: true,
      value: { argv: ['ls'], params: {} },
    });
  });

  it('keeps a hostile value one argv element, verbatim', () => {
    // A blank value counts as not given (tested above); every other one arrives intact.
    const values = [...INJECTIONS.filter((v) => v.trim()), 'a b', "x'; rm -rf / #", '$&$1'];
    for (const value of values) {
      const argv = render({ service: 'klm', note: value }).argv;
      expect(argv).toHaveLength(7);
      expect(argv[6]).toBe(value);
    }
  });

  it('does not substitute again inside a value', () => {
    expect(render({ service: 'klm', note: '{{service}} {{environment}}' }).argv[6]).toBe(
      '{{service}} {{environment}}',
    );
  });

  it('finds placeholders and leaves other braces alone', () => {
    expect(placeholdersOf('--x={{a}}-{{ b_2 }}')).toEqual(['a', 'b_2']);
    expect(placeholdersOf('{{.State.Running}} {{json .}} {x}')).toEqual([]);
  });
});
