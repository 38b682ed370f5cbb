import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Actor } from '../../core/actor.js';
import type { CoreDeps } from '../../core/deps.js';
import { DEFAULT_VERBOSITY, VERBOSITY_LEVELS } from '../../core/compression/render.js';
import { normalizeOutput } from '../../core/compression/normalize.js';
import { TASK_STATUSES } from '../../core/task.js';
import { approveTask } from '../../core/use-cases/approve-task.js';
import { getTask } from '../../core/use-cases/get-task.js';
import { getTaskOutput } from '../../core/use-cases/get-task-output.js';
import { listTasks } from '../../core/use-cases/list-tasks.js';
import { rejectTask } from '../../core/use-cases/reject-task.js';
import { presentCompressed, presentMermaidLevel } from '../compression-view.js';
import { presentTask, presentTaskDetail } from '../presenters.js';
import { toolError, toolResult } from './tool-result.js';

const taskId = z.string().uuid().describe('The task id that execute returned.');

// Built once: a fresh server per request registers them, and building zod schemas is not free.
const tasksInput = z.object({
  action: z.enum(['list', 'get']),
  id: taskId.optional(),
  status: z.array(z.enum(TASK_STATUSES)).max(TASK_STATUSES.length).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  verbosity: z.enum(VERBOSITY_LEVELS).optional(),
});

const approveInput = z.object({
  id: taskId,
  decision: z.enum(['approve', 'reject']),
  phrase: z
    .string()
    .max(200)
    .optional()
    .describe('For high-risk work: the exact confirmation phrase.'),
  reason: z.string().max(500).optional(),
});

/** `tasks` (list / get at a verbosity) and `approve`. */
export function registerTaskTools(server: McpServer, core: CoreDeps, actor: Actor) {
  server.registerTool(
    'tasks',
    {
      title: 'Look at tasks',
      description:
        'Lists recent tasks (action "list", optionally by status) or shows one (action "get") at a ' +
        'verbosity: "summary" (status and a one-line outcome), "mermaid" (the default: plus a small ' +
        'Mermaid flowchart of what happened and its text form), "standard" (plus stages, output ' +
        'tails and key excerpts), or "full" (plus the stored output of the last attempt).',
      inputSchema: tasksInput,
      annotations: { readOnlyHint: true },
    },
    async (input) => {
      if (input.action === 'list') {
        const r = await listTasks({
          deps: core,
          actor,
          input: { limit: input.limit ?? 20, ...(input.status ? { status: input.status } : {}) },
        });
        return r.ok ? toolResult({ items: r.value.items.map(presentTask) }) : toolError(r.error);
      }
      if (!input.id) return toolError('Give the id of the task to get.');
      const r = await getTask({ deps: core, actor, input: { taskId: input.id } });
      if (!r.ok) return toolError(r.error);
      const { task, stages } = r.value;
      const verbosity = input.verbosity ?? DEFAULT_VERBOSITY;
      const n = normalizeOutput(task, stages);
      if (verbosity === 'summary')
        return toolResult({ ...presentTask(task), summary: presentCompressed(n).summary });
      if (verbosity === 'mermaid')
        return toolResult(presentMermaidLevel(task, stages, presentTask(task)));
      const detail = {
        ...presentTaskDetail(r.value),
        ...presentCompressed(n),
        excerpt: n.excerpt.join('\n'),
      } as Record<string, unknown>;
      if (verbosity === 'standard') return toolResult(detail);
      const output = await getTaskOutput({ deps: core, actor, input: { taskId: input.id } });
      return toolResult({
        ...detail,
        output: output.ok
          ? {
              stdout: output.value.output.stdout,
              stderr: output.value.output.stderr,
              truncated: output.value.output.truncated,
            }
          : null,
      });
    },
  );

  server.registerTool(
    'approve',
    {
      title: 'Decide an approval',
      description:
        'Approves or rejects a task that waits for approval. Only for callers with an approver ' +
        'identity, and never for a task this same client requested (or a gate step of a ' +
        'pipeline it started): its gate is for a person.',
      inputSchema: approveInput,
      annotations: { destructiveHint: true },
    },
    async (input) => {
      const r =
        input.decision === 'approve'
          ? await approveTask({
              deps: core,
              actor,
              input: { taskId: input.id, phrase: input.phrase, via: 'button' },
            })
          : await rejectTask({
              deps: core,
              actor,
              input: { taskId: input.id, reason: input.reason },
            });
      return r.ok ? toolResult(presentTask(r.value)) : toolError(r.error);
    },
  );
}
