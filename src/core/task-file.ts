import { z } from 'zod';
import type { FieldIssue } from './errors.js';
import type { Stage, StoredOutput } from './stage.js';
import { taskDraftSchema, type TaskDraft } from './task-draft.js';
import { ENVIRONMENTS, type Task } from './task.js';

/**
 * The interchange format of SPEC §3.8: a task as Markdown with YAML front matter. The front
 * matter is this object (snake_case keys); an agent task's prompt is the Markdown body.
 */
export const taskFileSchema = z.strictObject({
  task_id: z.string().min(1).max(64).optional(),
  task_type: z.enum(['agent', 'shell', 'template']),
  created_by: z.string().min(1).max(128).optional(),
  created_at: z.string().max(64).optional(),
  status: z.string().max(32).optional(),
  executor: z.string().max(64).optional(),
  host: z.string().max(64).optional(),
  repo: z.string().max(64).optional(),
  environment: z.enum(ENVIRONMENTS).optional(),
  template: z.string().max(64).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  argv: z.array(z.string()).optional(),
  timeout_s: z.number().int().optional(),
  budget_usd: z.number().optional(),
  risk: z.enum(['low', 'medium', 'high']).optional(),
  expected_outputs: z.array(z.string().max(1_000)).max(100).optional(),
});
export type TaskFile = z.infer<typeof taskFileSchema>;

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== null && v !== undefined),
  ) as Partial<T>;

/** The front matter and body that describe a task; importing them gives the same request. */
export function taskToFile(
  task: Task,
  expectedOutputs: readonly string[] = [],
): { readonly front: TaskFile; readonly body: string } {
  const kind = task.kind === 'agent' || task.kind === 'shell' ? task.kind : 'template';
  const front = defined({
    task_id: task.id,
    task_type: kind,
    created_by: task.requester,
    created_at: task.createdAt,
    status: task.status,
    executor: task.executor,
    host: task.host,
    repo: task.repo,
    environment: task.environment,
    template: task.template,
    params: Object.keys(task.params).length ? { ...task.params } : null,
    argv: kind === 'shell' && task.argv ? [...task.argv] : null,
    timeout_s: task.timeoutS,
    budget_usd: task.budgetUsd,
    expected_outputs: expectedOutputs.length ? [...expectedOutputs] : null,
  }) as TaskFile;
  return { front, body: task.prompt ?? '' };
}

/**
 * The draft a task file asks for. Its task_id, status and author are history, not requests:
 * an import is a new task, submitted by whoever imports it.
 */
export function fileToDraft(
  frontMatter: unknown,
  body: string,
): { ok: true; value: TaskDraft } | { ok: false; issues: FieldIssue[] } {
  const front = taskFileSchema.safeParse(frontMatter);
  if (!front.success)
    return {
      ok: false,
      issues: front.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    };
  const f = front.data;
  if (f.task_type === 'shell' && !f.host)
    return {
      ok: false,
      issues: [{ path: 'host', message: 'a shell task needs a host (e.g. host: local)' }],
    };
  const common = defined({
    host: f.host,
    repo: f.repo,
    environment: f.environment,
    timeoutS: f.timeout_s,
    budgetUsd: f.budget_usd,
    risk: f.risk,
  });
  const candidate =
    f.task_type === 'agent'
      ? { kind: 'agent', ...common, ...defined({ executor: f.executor }), prompt: body.trim() }
      : f.task_type === 'shell'
        ? { kind: 'shell', ...common, argv: f.argv ?? [] }
        : { kind: 'template', ...common, template: f.template ?? '', params: f.params ?? {} };
  const draft = taskDraftSchema.safeParse(candidate);
  if (!draft.success)
    return {
      ok: false,
      issues: draft.error.issues.map((i) => ({
        path: i.path.join('.') === 'prompt' ? '(body)' : i.path.join('.'),
        message: i.message,
      })),
    };
  return { ok: true, value: draft.data };
}

/** `{task-id}.result.md`: how the task ended, and its output. */
export function resultToFile(
  task: Task,
  stage: Stage | null,
  output: StoredOutput | null,
): { readonly front: Record<string, unknown>; readonly body: string } {
  const front = defined({
    task_id: task.id,
    status: task.status,
    attempt: stage?.attempt,
    executor: stage?.executor,
    host: stage?.host,
    exit_code: stage?.exitCode,
    signal: stage?.signal,
    error_class: stage?.errorClass,
    latency_ms: stage?.latencyMs,
    cost_usd: task.costUsd,
    tokens_in: task.tokensIn,
    tokens_out: task.tokensOut,
    session_id: stage?.sessionId,
    started_at: stage?.startedAt,
    finished_at: task.finishedAt,
    output_truncated: output?.truncated,
  });
  const sections = [
    stage?.summary ? `## Summary\n\n${stage.summary}` : '',
    fenced('Output', output ? output.stdout : (stage?.stdoutTail ?? '')),
    fenced('Errors', output ? output.stderr : (stage?.stderrTail ?? '')),
  ].filter(Boolean);
  return { front, body: sections.join('\n\n') };
}

/** A fence longer than any run of backticks inside, so output cannot close it early. */
function fenced(title: string, text: string): string {
  if (!text) return '';
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `## ${title}\n\n${fence}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}
