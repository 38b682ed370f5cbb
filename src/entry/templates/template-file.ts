import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DRAFT_LIMITS } from '../../core/task-draft.js';
import { ENVIRONMENTS, RISKS, type Environment, type Risk } from '../../core/task.js';
import { ENVIRONMENT_PLACEHOLDER, placeholdersOf } from '../../core/template-render.js';
import {
  STEP_GATES,
  TEMPLATE_PARAM_TYPES,
  type TaskTemplate,
  type TemplateParam,
} from '../../core/template.js';
import { describeIssues } from '../config/config-error.js';

export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const noNul = (s: string) => !s.includes('\0');

const name = z
  .string()
  .min(1)
  .max(DRAFT_LIMITS.nameChars)
  .regex(TEMPLATE_NAME, 'a name of letters, digits, ".", "_" or "-"');
const risk = z.enum(RISKS).optional();

const paramSchema = z
  .strictObject({
    type: z.enum(TEMPLATE_PARAM_TYPES).default('string'),
    required: z.boolean().default(false),
    default: z.union([z.string().max(DRAFT_LIMITS.paramChars), z.number(), z.boolean()]).optional(),
    /** Makes a string parameter an enumeration. */
    values: z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional(),
    description: z.string().max(500).optional(),
  })
  .superRefine((p, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.values && p.type !== 'string') problem('values', 'only a string parameter takes values');
    if (p.default === undefined) return;
    if (p.required) problem('default', 'a required parameter takes no default');
    if (typeof p.default !== p.type) problem('default', `expected a ${p.type}`);
    else if (p.values && !p.values.includes(String(p.default)))
      problem('default', `expected one of ${p.values.join(', ')}`);
  });

const argvSchema = z
  .array(
    z.string().min(1).max(DRAFT_LIMITS.argChars).refine(noNul, 'no NUL bytes'),
    'a list of strings: the program and its arguments',
  )
  .min(1)
  .max(DRAFT_LIMITS.argvItems);

const MAX_STEPS = 20;

const stepSchema = z.strictObject({
  name: name,
  argv: argvSchema,
  host: name.optional(),
  /** approval: an approver's tap before the step; validation: a check the pipeline must pass. */
  gate: z.enum(STEP_GATES).default('none'),
  timeout_s: z.number().int().min(1).max(DRAFT_LIMITS.maxTimeoutS).optional(),
});

/** The front matter of a template file (SPEC §3.8); keys are strict so a typo is an error. */
export const templateFileSchema = z
  .strictObject({
    /** Task files (§3.8) name their type; a template may say so too. */
    task_type: z.literal('template').optional(),
    name: name.optional(),
    description: z.string().trim().min(1).max(500),
    triggers: z.array(z.string().trim().min(1).max(100)).max(32).default([]),
    params: z
      .record(
        z.string(),
        // `tag:` with nothing after it is an optional string parameter.
        z.preprocess((v) => v ?? {}, paramSchema),
      )
      .refine(
        (p) => Object.keys(p).length <= DRAFT_LIMITS.params,
        `at most ${DRAFT_LIMITS.params} parameters`,
      )
      .default({}),
    host: name.optional(),
    argv: argvSchema.optional(),
    /** A pipeline (SPEC §3.9): steps instead of one argv. */
    steps: z.array(stepSchema).min(1).max(MAX_STEPS).optional(),
    risk: z
      .strictObject({ dev: risk, staging: risk, production: risk })
      .refine((r) => Object.values(r).some(Boolean), 'at least one environment, e.g. { dev: low }'),
    timeout_s: z.number().int().min(1).max(DRAFT_LIMITS.maxTimeoutS).optional(),
    idempotent: z.boolean().default(false),
    expected_outputs: z.array(z.string().trim().min(1).max(500)).max(50).default([]),
  })
  .superRefine((t, ctx) => {
    // Checked here: zod reports a bad record key only as "Invalid key in record".
    for (const key of Object.keys(t.params)) {
      const problem =
        key === ENVIRONMENT_PLACEHOLDER
          ? '"environment" is built in (the environment of the request)'
          : PARAM_NAME.test(key) && key.length <= DRAFT_LIMITS.nameChars
            ? null
            : 'a parameter name of letters, digits, "_" or "-"';
      if (problem) ctx.addIssue({ code: 'custom', path: ['params', key], message: problem });
    }
    if (!t.argv === !t.steps)
      ctx.addIssue({
        code: 'custom',
        path: [t.argv ? 'steps' : 'argv'],
        message: 'a template has either argv (one command) or steps (a pipeline), not both',
      });
    const known = [...Object.keys(t.params), ENVIRONMENT_PLACEHOLDER];
    const checkArgv = (argv: readonly string[], path: (string | number)[]) =>
      argv.forEach((arg, i) => {
        const names = placeholdersOf(arg);
        if (i === 0 && names.length)
          ctx.addIssue({
            code: 'custom',
            path: [...path, 0],
            message: 'the program is fixed; placeholders belong in its arguments',
          });
        for (const n of names.filter((x) => !known.includes(x)))
          ctx.addIssue({
            code: 'custom',
            path: [...path, i],
            message: `unknown placeholder {{${n}}}; expected one of ${known.join(', ')}`,
          });
      });
    checkArgv(t.argv ?? [], ['argv']);
    t.steps?.forEach((step, i) => checkArgv(step.argv, ['steps', i, 'argv']));
    const names = t.steps?.map((s) => s.name) ?? [];
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'name'],
          message: `a second step named ${n}`,
        });
    });
  });

// `---` on the first line, YAML, then `---` (or `...`) on a line of its own; the rest is Markdown.
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/** A template file's text → the template, or the problems with it (field: what was expected). */
export function parseTemplateFile(
  text: string,
  fileStem: string,
): { ok: true; template: TaskTemplate } | { ok: false; problems: string[] } {
  const match = FRONT_MATTER.exec(text);
  if (!match)
    return {
      ok: false,
      problems: ['(top level): expected YAML front matter between "---" lines at the top'],
    };
  const doc = parseDocument(match[1] ?? '', { prettyErrors: true });
  if (doc.errors.length)
    return {
      ok: false,
      problems: doc.errors.map((e) => `front matter: ${e.message.split('\n')[0] ?? e.message}`),
    };
  const parsed = templateFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error.issues) };
  const f = parsed.data;
  const templateName = f.name ?? fileStem;
  if (!TEMPLATE_NAME.test(templateName) || templateName.length > DRAFT_LIMITS.nameChars)
    return {
      ok: false,
      problems: [`name: the file name "${fileStem}" is no template name; set name:`],
    };
  const params: TemplateParam[] = Object.entries(f.params).map(([paramName, p]) => ({
    name: paramName,
    type: p.type,
    required: p.required,
    default: p.default ?? null,
    values: p.values ?? null,
    description: p.description ?? null,
  }));
  const riskByEnvironment: Partial<Record<Environment, Risk>> = {};
  for (const env of ENVIRONMENTS) {
    const r = f.risk[env];
    if (r) riskByEnvironment[env] = r;
  }
  return {
    ok: true,
    template: {
      name: templateName,
      description: f.description,
      triggers: f.triggers,
      params,
      host: f.host ?? null,
      argv: f.argv ?? [],
      riskByEnvironment,
      idempotent: f.idempotent,
      timeoutS: f.timeout_s ?? null,
      expectedOutputs: f.expected_outputs,
      notes: text.slice(match[0].length).trim(),
      steps: (f.steps ?? []).map((s) => ({
        name: s.name,
        argv: s.argv,
        host: s.host ?? null,
        gate: s.gate,
        timeoutS: s.timeout_s ?? null,
      })),
    },
  };
}
