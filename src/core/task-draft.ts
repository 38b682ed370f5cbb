import { z } from 'zod';
import type { FieldIssue } from './errors.js';
import { renderTemplate } from './template-render.js';
import type { StepGate, TaskTemplate } from './template.js';
import {
  ENVIRONMENTS,
  RISKS,
  type Environment,
  type ParamValue,
  type Risk,
  type TaskKind,
} from './task.js';

/** Limits on what a request may carry; bigger input is refused, never truncated silently. */
export const DRAFT_LIMITS = {
  nameChars: 64,
  promptChars: 100_000,
  argvItems: 256,
  argChars: 8_192,
  params: 50,
  paramChars: 4_096,
  maxTimeoutS: 24 * 60 * 60,
} as const;

// A NUL byte cannot cross exec or a remote shell intact: refuse it rather than truncate later.
const noNul = (s: string) => !s.includes('\0');
const NO_NUL = 'no NUL bytes';

const name = z
  .string()
  .min(1)
  .max(DRAFT_LIMITS.nameChars)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"');
const common = {
  host: name.optional(),
  repo: name.optional(),
  environment: z.enum(ENVIRONMENTS).optional(),
  timeoutS: z.number().int().min(1).max(DRAFT_LIMITS.maxTimeoutS).optional(),
  risk: z.enum(RISKS).optional(),
  budgetUsd: z.number().positive().max(10_000).optional(),
};
const paramValue = z.union([
  z.string().max(DRAFT_LIMITS.paramChars).refine(noNul, NO_NUL),
  z.number(),
  z.boolean(),
]);

export const taskDraftSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('shell'),
    ...common,
    host: name,
    argv: z
      .array(z.string().min(1).max(DRAFT_LIMITS.argChars).refine(noNul, NO_NUL))
      .min(1)
      .max(DRAFT_LIMITS.argvItems),
  }),
  z.strictObject({
    kind: z.literal('agent'),
    ...common,
    executor: name.optional(),
    /** On a verified failure, retry on the next rung of the escalation ladder. */
    escalate: z.boolean().optional(),
    prompt: z.string().trim().min(1).max(DRAFT_LIMITS.promptChars).refine(noNul, NO_NUL),
  }),
  z.strictObject({
    kind: z.literal('template'),
    ...common,
    template: name,
    params: z
      .record(z.string().max(DRAFT_LIMITS.nameChars), paramValue)
      .refine(
        (p) => Object.keys(p).length <= DRAFT_LIMITS.params,
        `at most ${DRAFT_LIMITS.params} params`,
      )
      .default({}),
  }),
]);

/** A structured request (SPEC §4): what the requester wants, before policy and defaults apply. */
export type TaskDraft = z.infer<typeof taskDraftSchema>;

export interface TemplateInfo {
  readonly name: string;
  readonly riskByEnvironment: Partial<Record<Environment, Risk>>;
  readonly idempotent: boolean;
  readonly timeoutS: number | null;
}

/** What the configuration knows about: names a draft may refer to. */
export interface Catalog {
  readonly hosts: readonly string[];
  readonly executors: readonly string[];
  readonly repos: readonly { readonly name: string; readonly host: string }[];
  readonly templates: readonly TaskTemplate[];
  readonly defaultExecutor: string | null;
  readonly defaultTimeoutS: number;
}

export interface ResolvedDraft {
  readonly kind: TaskKind;
  readonly executor: string | null;
  readonly host: string | null;
  readonly repo: string | null;
  readonly environment: Environment | null;
  readonly template: string | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly prompt: string | null;
  readonly argv: readonly string[] | null;
  readonly timeoutS: number;
  readonly budgetUsd: number | null;
  readonly requestedRisk: Risk | null;
  readonly declaredRisk: Risk | null;
  readonly idempotent: boolean;
  readonly escalate: boolean;
  /** A pipeline template's steps, rendered with the request's params (SPEC §3.9). */
  readonly steps: readonly RenderedStep[] | null;
}

export interface RenderedStep {
  readonly name: string;
  readonly argv: readonly string[];
  readonly host: string;
  readonly gate: StepGate;
  readonly timeoutS: number;
}

const oneOf = (list: readonly string[]) =>
  list.length ? `one of ${list.join(', ')}` : 'none configured';

/** Fills defaults from the catalog, renders a template's argv, names every unknown reference. */
export function resolveDraft(
  draft: TaskDraft,
  catalog: Catalog,
): { ok: true; value: ResolvedDraft } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const repo = draft.repo ? catalog.repos.find((r) => r.name === draft.repo) : undefined;
  if (draft.repo && !repo)
    issues.push({
      path: 'repo',
      message: `unknown repo; expected ${oneOf(catalog.repos.map((r) => r.name))}`,
    });
  let template: TaskTemplate | undefined;
  if (draft.kind === 'template') {
    template = catalog.templates.find((t) => t.name === draft.template);
    if (!template)
      issues.push({
        path: 'template',
        message: `unknown template; expected ${oneOf(catalog.templates.map((t) => t.name))}`,
      });
  }
  const host = draft.host ?? template?.host ?? repo?.host ?? 'local';
  if (!catalog.hosts.includes(host))
    issues.push({ path: 'host', message: `unknown host; expected ${oneOf(catalog.hosts)}` });
  if (repo && repo.host !== host) {
    issues.push({ path: 'repo', message: `repo ${repo.name} lives on ${repo.host}, not ${host}` });
  }
  let executor: string | null = null;
  if (draft.kind === 'agent') {
    executor = draft.executor ?? catalog.defaultExecutor;
    if (!executor || !catalog.executors.includes(executor)) {
      issues.push({
        path: 'executor',
        message: `unknown executor; expected ${oneOf(catalog.executors)}`,
      });
    }
  }
  const environment = draft.environment ?? (template ? soleEnvironment(template) : null);
  let params: Readonly<Record<string, ParamValue>> = {};
  let argv: readonly string[] | null = draft.kind === 'shell' ? draft.argv : null;
  let steps: readonly RenderedStep[] | null = null;
  if (template && draft.kind === 'template') {
    const declared = Object.keys(template.riskByEnvironment);
    if (environment === null && declared.length > 1) {
      issues.push({
        path: 'environment',
        message: `template ${template.name} runs per environment; expected one of ${declared.join(', ')}`,
      });
    } else {
      const rendered = renderTemplate(template, draft.params, environment);
      if (!rendered.ok) issues.push(...rendered.issues);
      else if (template.steps.length) {
        params = rendered.value.params;
        argv = null;
        const stepped = renderSteps(template, draft.params, environment, host, catalog);
        if (stepped.ok) steps = stepped.steps;
        else issues.push(...stepped.issues);
      } else {
        params = rendered.value.params;
        argv = rendered.value.argv;
        const long = argv.findIndex((a) => a.length > DRAFT_LIMITS.argChars);
        if (long >= 0)
          issues.push({
            path: 'params',
            message: `argument ${long} of the command would exceed ${DRAFT_LIMITS.argChars} characters`,
          });
      }
    }
  }
  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    value: {
      kind: steps ? 'pipeline' : draft.kind,
      executor,
      host,
      repo: repo?.name ?? null,
      environment,
      template: template?.name ?? null,
      params,
      prompt: draft.kind === 'agent' ? draft.prompt : null,
      argv,
      timeoutS: draft.timeoutS ?? template?.timeoutS ?? catalog.defaultTimeoutS,
      budgetUsd: draft.budgetUsd ?? null,
      requestedRisk: draft.risk ?? null,
      declaredRisk:
        template && environment ? (template.riskByEnvironment[environment] ?? null) : null,
      idempotent: template?.idempotent ?? false,
      escalate: draft.kind === 'agent' && draft.escalate === true,
      steps,
    },
  };
}

/** Each step's argv rendered like a template's, on its own host or the pipeline's. */
function renderSteps(
  template: TaskTemplate,
  given: Readonly<Record<string, ParamValue>>,
  environment: Environment | null,
  host: string,
  catalog: Catalog,
): { ok: true; steps: RenderedStep[] } | { ok: false; issues: FieldIssue[] } {
  const steps: RenderedStep[] = [];
  const issues: FieldIssue[] = [];
  template.steps.forEach((step, i) => {
    const rendered = renderTemplate({ ...template, argv: step.argv }, given, environment);
    const stepHost = step.host ?? host;
    if (!catalog.hosts.includes(stepHost))
      issues.push({ path: `steps.${i}.host`, message: `unknown host ${stepHost}` });
    if (!rendered.ok) {
      issues.push(...rendered.issues.map((x) => ({ ...x, path: `steps.${i}.${x.path}` })));
      return;
    }
    steps.push({
      name: step.name,
      argv: rendered.value.argv,
      host: stepHost,
      gate: step.gate,
      timeoutS: step.timeoutS ?? template.timeoutS ?? catalog.defaultTimeoutS,
    });
  });
  return issues.length ? { ok: false, issues } : { ok: true, steps };
}

/** A template that declares risk for one environment only runs there unless told otherwise. */
function soleEnvironment(template: TemplateInfo): Environment | null {
  const declared = ENVIRONMENTS.filter((e) => template.riskByEnvironment[e] !== undefined);
  return declared.length === 1 ? (declared[0] ?? null) : null;
}
