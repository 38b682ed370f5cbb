import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigError, loadConfig } from '../../src/entry/config/load-config.js';
import { catalogOf } from '../../src/entry/config/config.js';
import { loadTemplates, TEMPLATE_LIMITS } from '../../src/entry/templates/load-templates.js';
import { makeTempDir } from '../helpers/temp-db.js';

const REPO_TEMPLATES = resolve(import.meta.dirname, '../../templates');

const GOOD = `---
description: Say hello.
triggers: [greet, say hello]
params:
  greeting:
    required: true
  times: { type: number, default: 1 }
  loud: { type: boolean, default: false }
  tone: { values: [warm, dry], default: warm }
  note:
argv: [echo, "{{greeting}}", "--times={{times}}", "--env={{environment}}"]
risk: { dev: low, production: high }
timeout_s: 20
idempotent: true
expected_outputs: [a greeting]
---

# hello

Prints a greeting.
`;

function dirWith(files: Record<string, string>): string {
  const dir = makeTempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const load = (dir: string, hosts = ['local']) =>
  loadTemplates({ dir, required: true, configSource: 'switchboard.yaml', hosts });

/** The one problem a folder is refused with: its source and its message. */
function refusal(files: Record<string, string>, hosts?: string[]) {
  const dir = dirWith(files);
  const result = load(dir, hosts);
  if (result.ok) throw new Error('expected the folder to be refused');
  return { dir, source: result.error.source, problems: result.error.problems };
}

const withFront = (front: string) => `---\n${front}\n---\nbody\n`;
const BASE = 'description: d\nargv: [echo, hi]\nrisk: { dev: low }';

describe('loadTemplates', () => {
  it('reads every *.md file into a template, the body as its notes', () => {
    const dir = dirWith({ 'hello.md': GOOD, 'README.txt': 'not a template', '.hidden.md': 'x' });
    mkdirSync(join(dir, 'sub.md'));
    const result = load(dir);
    expect(result).toEqual({
      ok: true,
      value: [
        {
          name: 'hello',
          description: 'Say hello.',
          triggers: ['greet', 'say hello'],
          params: [
            {
              name: 'greeting',
              type: 'string',
              required: true,
              default: null,
              values: null,
              description: null,
            },
            {
              name: 'times',
              type: 'number',
              required: false,
              default: 1,
              values: null,
              description: null,
            },
            {
              name: 'loud',
              type: 'boolean',
              required: false,
              default: false,
              values: null,
              description: null,
            },
            {
              name: 'tone',
              type: 'string',
              required: false,
              default: 'warm',
              values: ['warm', 'dry'],
              description: null,
            },
            {
              name: 'note',
              type: 'string',
              required: false,
              default: null,
              values: null,
              description: null,
            },
          ],
          host: null,
          argv: ['echo', '{{greeting}}', '--times={{times}}', '--env={{environment}}'],
          riskByEnvironment: { dev: 'low', production: 'high' },
          idempotent: true,
          timeoutS: 20,
          expectedOutputs: ['a greeting'],
          notes: '# hello\n\nPrints a greeting.',
          steps: [],
        },
      ],
    });
  });

  it('takes the name from the front matter over the file name, and CRLF files', () => {
    const dir = dirWith({
      'a.md': withFront(`name: other\n${BASE}`).replaceAll('\n', '\r\n'),
    });
    const result = load(dir);
    expect(result.ok && result.value.map((t) => [t.name, t.notes])).toEqual([['other', 'body']]);
  });

  it('reads the shipped examples', () => {
    const result = load(REPO_TEMPLATES);
    if (!result.ok) throw new Error(formatConfigError(result.error));
    expect(result.value.map((t) => t.name)).toEqual([
      'deploy',
      'git-status',
      'hugo-build',
      'release-pipeline',
      'run-tests',
    ]);
    const deploy = result.value.find((t) => t.name === 'deploy');
    expect(deploy?.riskByEnvironment).toEqual({
      dev: 'low',
      staging: 'medium',
      production: 'high',
    });
    expect(deploy?.triggers).toEqual(['deploy', 'ship', 'release']);
    for (const t of result.value) expect(t.notes).toMatch(new RegExp(`^# ${t.name}\\n`));
  });

  it.each<readonly [string, string, RegExp]>([
    ['no front matter', '# just markdown\n', /^\(top level\): expected YAML front matter/],
    ['broken YAML', '---\nargv: [echo\n---\n', /^front matter: /],
    ['a missing argv', withFront('description: d\nrisk: { dev: low }'), /^argv: /],
    ['a missing description', withFront('argv: [ls]\nrisk: { dev: low }'), /^description: /],
    ['an unknown key', withFront(`${BASE}\ntimeout: 5`), /^\(top level\): .*"timeout"/],
    [
      'argv that is a string',
      withFront('description: d\nargv: ls -la\nrisk: { dev: low }'),
      /^argv: a list of strings/,
    ],
    [
      'no risk at all',
      withFront('description: d\nargv: [ls]\nrisk: {}'),
      /^risk: at least one environment/,
    ],
    [
      'an unknown environment',
      withFront('description: d\nargv: [ls]\nrisk: { prod: high }'),
      /^risk: .*"prod"/,
    ],
    [
      'an unknown risk',
      withFront('description: d\nargv: [ls]\nrisk: { dev: none }'),
      /^risk\.dev: .*"low"\|"medium"\|"high"/,
    ],
    [
      'a bad param type',
      withFront(`${BASE}\nparams: { n: { type: int } }`),
      /^params\.n\.type: .*"string"\|"number"\|"boolean"/,
    ],
    [
      'a default of the wrong type',
      withFront(`${BASE}\nparams: { n: { type: number, default: "3" } }`),
      /^params\.n\.default: expected a number/,
    ],
    [
      'a default outside the values',
      withFront(`${BASE}\nparams: { s: { values: [a, b], default: c } }`),
      /^params\.s\.default: expected one of a, b/,
    ],
    [
      'a required param with a default',
      withFront(`${BASE}\nparams: { s: { required: true, default: x } }`),
      /^params\.s\.default: a required parameter takes no default/,
    ],
    [
      'values on a number',
      withFront(`${BASE}\nparams: { n: { type: number, values: ["1"] } }`),
      /^params\.n\.values: only a string parameter/,
    ],
    [
      'a param called environment',
      withFront(`${BASE}\nparams: { environment: {} }`),
      /^params\.environment: .*built in/,
    ],
    [
      'an unknown placeholder',
      withFront('description: d\nargv: [echo, "x={{nope}}"]\nrisk: { dev: low }'),
      /^argv\[1\]: unknown placeholder \{\{nope\}\}; expected one of environment/,
    ],
    [
      'a placeholder as the program',
      withFront('description: d\nparams: { p: {} }\nargv: ["{{p}}"]\nrisk: { dev: low }'),
      /^argv\[0\]: the program is fixed/,
    ],
    ['a timeout of zero', withFront(`${BASE}\ntimeout_s: 0`), /^timeout_s: /],
    [
      'an unknown host',
      withFront(`${BASE}\nhost: mars`),
      /^host: unknown host "mars"; expected one of local, build-vm/,
    ],
    [
      'both argv and steps',
      withFront(`${BASE}\nsteps: [{ name: a, argv: [ls] }]`),
      /^steps: a template has either argv \(one command\) or steps/,
    ],
    [
      'an unknown placeholder in a step',
      withFront(
        'description: d\nrisk: { dev: low }\nsteps: [{ name: a, argv: [echo, "{{nope}}"] }]',
      ),
      /^steps\[0\]\.argv\[1\]: unknown placeholder \{\{nope\}\}/,
    ],
    [
      'two steps with one name',
      withFront(
        'description: d\nrisk: { dev: low }\nsteps: [{ name: a, argv: [ls] }, { name: a, argv: [pwd] }]',
      ),
      /^steps\[1\]\.name: a second step named a/,
    ],
    [
      'an unknown gate',
      withFront(
        'description: d\nrisk: { dev: low }\nsteps: [{ name: a, argv: [ls], gate: maybe }]',
      ),
      /^steps\[0\]\.gate: Invalid option/,
    ],
    [
      'a step on an unknown host',
      withFront('description: d\nrisk: { dev: low }\nsteps: [{ name: a, argv: [ls], host: mars }]'),
      /^steps\[0\]\.host: unknown host "mars"/,
    ],
  ])('refuses a file with %s, naming the file and the field', (_, text, problem) => {
    const { dir, source, problems } = refusal({ 'ok.md': withFront(BASE), 'bad.md': text }, [
      'local',
      'build-vm',
    ]);
    expect(source).toBe(join(dir, 'bad.md'));
    expect(problems.some((p) => problem.test(p))).toBe(true);
  });

  it('refuses two templates with the same name', () => {
    const { dir, source, problems } = refusal({
      'a.md': withFront(`name: deploy\n${BASE}`),
      'deploy.md': withFront(BASE),
    });
    expect(source).toBe(join(dir, 'deploy.md'));
    expect(problems).toEqual([`name: "deploy" is already defined in ${join(dir, 'a.md')}`]);
  });

  it('refuses a file name that is no template name unless the file names itself', () => {
    const { problems } = refusal({ 'my template.md': withFront(BASE) });
    expect(problems).toEqual(['name: the file name "my template" is no template name; set name:']);
    expect(load(dirWith({ 'my template.md': withFront(`name: mine\n${BASE}`) })).ok).toBe(true);
  });

  it('refuses an oversize file and too many files', () => {
    const big = refusal({ 'big.md': withFront(BASE) + 'x'.repeat(TEMPLATE_LIMITS.fileBytes) });
    expect(big.problems[0]).toMatch(/^\(file\): \d+ bytes; a template is at most 65536/);
    const many = Object.fromEntries(
      Array.from({ length: TEMPLATE_LIMITS.files + 1 }, (_, i) => [`t${i}.md`, withFront(BASE)]),
    );
    const crowd = refusal(many);
    expect(crowd.source).toBe('switchboard.yaml');
    expect(crowd.problems[0]).toMatch(/^templates_dir: .* holds 201 templates; at most 200/);
  });

  it('treats a missing folder as no templates unless the config names it', () => {
    const dir = join(makeTempDir(), 'nope');
    expect(loadTemplates({ dir, required: false, configSource: 'x', hosts: [] })).toEqual({
      ok: true,
      value: [],
    });
    expect(load(dir)).toEqual({
      ok: false,
      error: { source: 'switchboard.yaml', problems: [`templates_dir: no such folder ${dir}`] },
    });
  });
});

describe('loadConfig with templates', () => {
  const sources = (cwd: string, env: Record<string, string> = {}) => ({
    env,
    cwd,
    version: 'test',
    readFile: (p: string) => readFileSync(p, 'utf8'),
  });

  it('loads ./templates next to the config file into the catalog', () => {
    const cwd = makeTempDir();
    mkdirSync(join(cwd, 'templates'));
    writeFileSync(join(cwd, 'templates', 'hello.md'), GOOD);
    writeFileSync(join(cwd, 'switchboard.yaml'), 'users: []\n');
    const loaded = loadConfig(sources(cwd, { SWITCHBOARD_CONFIG: 'switchboard.yaml' }));
    if (!loaded.ok) throw new Error(formatConfigError(loaded.error));
    expect(loaded.value.templatesDir).toBe(join(cwd, 'templates'));
    expect(catalogOf(loaded.value).templates.map((t) => t.name)).toEqual(['hello']);
    expect(Object.isFrozen(loaded.value.templates[0]?.argv)).toBe(true);
  });

  it('starts without templates when there is no folder and none was configured', () => {
    const loaded = loadConfig(sources(makeTempDir()));
    expect(loaded.ok && loaded.value.templates).toEqual([]);
  });

  it('says a configured templates_dir is missing, and names a bad template file', () => {
    const cwd = makeTempDir();
    writeFileSync(join(cwd, 'switchboard.yaml'), 'templates_dir: ./jobs\n');
    const env = { SWITCHBOARD_CONFIG: 'switchboard.yaml' };
    expect(loadConfig(sources(cwd, env))).toEqual({
      ok: false,
      error: {
        source: join(cwd, 'switchboard.yaml'),
        problems: [`templates_dir: no such folder ${join(cwd, 'jobs')}`],
      },
    });
    mkdirSync(join(cwd, 'jobs'));
    writeFileSync(
      join(cwd, 'jobs', 'x.md'),
      withFront('description: d\nargv: [ls]\nrisk: { dev: maybe }'),
    );
    const bad = loadConfig(sources(cwd, env));
    expect(!bad.ok && formatConfigError(bad.error)).toMatch(
      new RegExp(`^Invalid configuration in ${join(cwd, 'jobs', 'x.md')}:\\n  - risk\\.dev: `),
    );
  });
});
