import { normalizeOutput } from '../../core/compression/normalize.js';
import { presentCompressed } from '../compression-view.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Actor } from '../../core/actor.js';
import type { CoreDeps } from '../../core/deps.js';
import { MAX_REQUEST_CHARS } from '../../core/intent/parse-request.js';
import { DRAFT_LIMITS, type TaskDraft } from '../../core/task-draft.js';
import { ENVIRONMENTS, isTerminal, type Task } from '../../core/task.js';
import { findTask } from '../../core/use-cases/find-task.js';
import { getTask } from '../../core/use-cases/get-task.js';
import { parseText } from '../../core/use-cases/parse-text.js';
import { submitTask } from '../../core/use-cases/submit-task.js';
import { submitConsensus } from '../../core/use-cases/submit-consensus.js';
import { compareWorkflowStages } from '../../core/use-cases/compare-workflow-stages.js';
import {
  submitWorkflowTask,
  type SubmittedInWorkflow,
} from '../../core/use-cases/submit-workflow-task.js';
import type { WorkflowStage } from '../../core/workflow.js';
import { toolError, toolResult } from './tool-result.js';
import { presentComparison } from './workflow-tools.js';
import type { McpOptions } from './create-mcp-server.js';

/** Claude.ai abandons a tool call after about 60 s: waiting stays well inside that. */
export const MAX_WAIT_S = 50;

const name = z.string().min(1).max(DRAFT_LIMITS.nameChars);
const inputSchema = z.object({
  text: z
    .string()
    .max(MAX_REQUEST_CHARS)
    .optional()
    .describe(
      'The request in plain words, read like a chat message ("run the tests in api on build-vm").',
    ),
  prompt: z
    .string()
    .max(DRAFT_LIMITS.promptChars)
    .optional()
    .describe('A prompt for a coding agent (claude, codex, gemini).'),
  executor: name
    .optional()
    .describe(
      'Which agent profile runs the prompt, e.g. claude-sonnet, codex, gemini-flash; the default when omitted.',
    ),
  command: z
    .array(z.string().min(1).max(DRAFT_LIMITS.argChars))
    .min(1)
    .max(DRAFT_LIMITS.argvItems)
    .optional()
    .describe('A command as an argv array, e.g. ["npm", "test"]; never passed through a shell.'),
  template: name.optional().describe('A named task template, e.g. deploy, run-tests.'),
  params: z
    .record(z.string().max(64), z.union([z.string().max(4_096), z.number(), z.boolean()]))
    .optional()
    .describe('Template parameters.'),
  host: name.optional().describe('Registered host to run on; "local" is the gateway machine.'),
  repo: name.optional().describe('Registered repository; agents get their own worktree in it.'),
  environment: z.enum(ENVIRONMENTS).optional().describe('For templates that run per environment.'),
  workflow_id: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe(
      'A workflow (from the workflow tool’s init) to log this task in as an execution stage.',
    ),
  consensus: z
    .boolean()
    .optional()
    .describe(
      'Run the prompt on two executors (executor and second_executor) as separate tasks, logged in ' +
        'one workflow, and compare their answers (agreement score and diff) once both end.',
    ),
  escalate: z
    .boolean()
    .optional()
    .describe(
      'For a prompt: if the agent fails (error, timeout), retry on the next executor of the ' +
        'operator’s escalation ladder, one rung at a time, until one succeeds or the ladder ends.',
    ),
  second_executor: name
    .optional()
    .describe('consensus: the second opinion; the first other configured executor when omitted.'),
  wait_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_S)
    .optional()
    .describe(
      `Wait up to this many seconds (≤ ${MAX_WAIT_S}) for the result; 0 or omitted returns at once with the task id.`,
    ),
});

type Input = z.infer<typeof inputSchema>;
type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

function draftOf(input: Input): TaskDraft | string {
  const where = {
    ...(input.host ? { host: input.host } : {}),
    ...(input.repo ? { repo: input.repo } : {}),
    ...(input.environment ? { environment: input.environment } : {}),
  };
  const given = [input.prompt, input.command, input.template].filter((v) => v !== undefined);
  if (given.length !== 1) return 'Give exactly one of text, prompt, command or template.';
  if (input.prompt !== undefined) {
    return {
      kind: 'agent',
      ...where,
      prompt: input.prompt,
      ...(input.executor ? { executor: input.executor } : {}),
      ...(input.escalate ? { escalate: true } : {}),
    };
  }
  if (input.command)
    return { kind: 'shell', ...where, host: input.host ?? 'local', argv: input.command };
  return { kind: 'template', ...where, template: input.template!, params: input.params ?? {} };
}

const summary = (task: Task) => ({
  id: task.id,
  status: task.status,
  kind: task.kind,
  risk: task.risk,
  gate: task.gate,
  host: task.host,
  cost_usd: task.costUsd,
});

/** `execute`: a request becomes a task under the same policy as chat; the id comes back at once. */
export function registerExecuteTool(
  server: McpServer,
  core: CoreDeps,
  actor: Actor,
  options: McpOptions,
) {
  const pollMs = options.pollMs ?? 250;

  /**
   * Polls until every task has ended, the wait is over, or the caller went away, with a
   * progress notification per look when the caller asked for them. Returns the tasks as now.
   */
  async function waitForEnd(tasks: Task[], waitS: number | undefined, extra: Extra) {
    const wait = (waitS ?? 0) * 1_000;
    const progressToken = extra._meta?.progressToken;
    const started = Date.now();
    const done = () => tasks.every((t) => isTerminal(t.status));
    while (wait > 0 && !done() && Date.now() - started < wait && !extra.signal.aborted) {
      await new Promise((r) => setTimeout(r, pollMs));
      tasks = await Promise.all(
        tasks.map(async (t) => {
          const now = await findTask({ deps: core, actor, input: { ref: t.id } });
          return now.ok ? now.value : t;
        }),
      );
      if (progressToken !== undefined) {
        await extra
          .sendNotification({
            method: 'notifications/progress',
            params: {
              progressToken,
              progress: Date.now() - started,
              total: wait,
              message: tasks.map((t) => t.status).join(', '),
            },
          })
          .catch(() => undefined);
      }
    }
    return tasks;
  }

  async function consensusResult(draft: TaskDraft, input: Input, extra: Extra) {
    const r = await submitConsensus({
      deps: core,
      actor,
      input: {
        draft,
        secondExecutor: input.second_executor,
        workflowId: input.workflow_id,
      },
    });
    if (!r.ok) return toolError(r.error);
    const runs = await waitForEnd(
      r.value.runs.map((x) => x.task),
      input.wait_seconds,
      extra,
    );
    const compared = runs.every((t) => isTerminal(t.status))
      ? await compareWorkflowStages({ deps: core, actor, input: { id: r.value.workflow.id } })
      : null;
    return toolResult({
      consensus: true,
      workflow_id: r.value.workflow.id,
      runs: runs.map(summary),
      ...(compared?.ok
        ? presentComparison(compared.value)
        : {
            agreement: null,
            note:
              'Both answers are not in yet: ask workflow_query consensus with this workflow_id ' +
              'once both runs have ended.',
          }),
    });
  }

  server.registerTool(
    'execute',
    {
      title: 'Run work on the operator’s machines',
      description:
        'Starts a task: a prompt for a coding agent, a command, a template, or a request in plain words. ' +
        'Returns the task id within a second. Risky work waits for the operator to approve it in ' +
        'Telegram (status awaiting_approval); poll it with `tasks`. With wait_seconds the call returns ' +
        'the result if the task ends in time.',
      inputSchema,
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      let draft: TaskDraft | string;
      let echo: string | null = null;
      let consensusAsked = false;
      let guess = false;
      if (input.text !== undefined) {
        if (input.prompt !== undefined || input.command || input.template) {
          return toolError('Give exactly one of text, prompt, command or template.');
        }
        const parsed = await parseText({ deps: core, actor, input: { text: input.text } });
        if (!parsed.ok) return toolError(parsed.error);
        const o = parsed.value;
        if (o.type === 'clarify')
          return toolError(
            `${o.question} (${o.choices.map((c) => c.value).join(', ') || 'answer in words'})`,
          );
        if (o.type === 'query')
          return toolError(`That is a question (${o.echo}); use the tasks or health tool.`);
        if (o.type === 'unusable') return toolError(o.reason);
        if (o.type === 'chatter') return toolError(o.reply);
        draft = o.draft;
        echo = o.echo;
        consensusAsked = o.consensus;
        guess = o.guess;
      } else draft = draftOf(input);
      if (typeof draft === 'string') return toolError(draft);
      if (input.consensus || consensusAsked) {
        return consensusResult(draft, input, extra);
      }
      const submitted = input.workflow_id
        ? await submitWorkflowTask({
            deps: core,
            actor,
            input: { draft, workflowId: input.workflow_id, name: echo ?? undefined, guess },
          })
        : await submitTask({ deps: core, actor, input: { draft, guess } });
      if (!submitted.ok) return toolError(submitted.error);
      const workflowStage: WorkflowStage | null =
        'stage' in submitted.value ? (submitted.value as SubmittedInWorkflow).stage : null;
      const approval = submitted.value.approval;
      const [task] = await waitForEnd([submitted.value.task], input.wait_seconds, extra);
      if (!task) return toolError('The task vanished.');
      const detail = isTerminal(task.status)
        ? await getTask({ deps: core, actor, input: { taskId: task.id } })
        : null;
      const stage = detail?.ok ? detail.value.stages.at(-1) : undefined;
      const compressed = detail?.ok
        ? presentCompressed(normalizeOutput(detail.value.task, detail.value.stages))
        : null;
      return toolResult({
        ...summary(task),
        ...(echo ? { understood: echo } : {}),
        ...(input.workflow_id
          ? { workflow: { id: input.workflow_id, stage_seq: workflowStage?.seq ?? null } }
          : {}),
        approval: approval
          ? {
              expires_at: approval.expiresAt,
              required_phrase: approval.requiredPhrase,
              // A guess at the text waits for a person's Run tap; this client cannot give it.
              decide_in:
                approval.gate === 'confirm'
                  ? 'Run, in Telegram or the web app (the text was only guessed at)'
                  : 'Telegram or the web app',
            }
          : null,
        result: stage
          ? {
              exit_code: stage.exitCode,
              error_class: stage.errorClass,
              summary: stage.summary,
              stdout_tail: stage.stdoutTail,
              session_id: stage.sessionId,
            }
          : null,
        ...(compressed ? { mermaid: compressed.mermaid } : {}),
      });
    },
  );
}
