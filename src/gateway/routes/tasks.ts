import { Hono, type Context } from 'hono';
import type { CoreDeps } from '../../core/deps.js';
import { approveTask } from '../../core/use-cases/approve-task.js';
import { cancelTask } from '../../core/use-cases/cancel-task.js';
import { getTask } from '../../core/use-cases/get-task.js';
import { getTaskOutput } from '../../core/use-cases/get-task-output.js';
import { DEFAULT_PAGE, listTasks } from '../../core/use-cases/list-tasks.js';
import { rejectTask } from '../../core/use-cases/reject-task.js';
import { parseText, type ParseOutcome } from '../../core/use-cases/parse-text.js';
import { submitTask } from '../../core/use-cases/submit-task.js';
import type { TaskDraft } from '../../core/task-draft.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse, errorBody } from '../http-errors.js';
import { jsonIfBody, requireJson } from '../middleware/require-json.js';
import {
  presentApproval,
  presentTask,
  presentTaskDetail,
  presentParseOutcome,
  presentTaskOutput,
} from '../presenters.js';
import { validate } from '../validation.js';
import {
  approveBodySchema,
  createTaskBodySchema,
  encodeCursor,
  listTasksQuerySchema,
  reasonBodySchema,
  taskIdParamSchema,
  taskOutputQuerySchema,
} from './task-schemas.js';

/**
 * Free text that is not a task: a question to answer first, a query (status, spend…), or
 * something unusable. 422 with what the parser made of it, so a client can ask or redirect.
 */
function notATask(c: Context<GatewayEnv>, outcome: Exclude<ParseOutcome, { type: 'task' }>) {
  const [code, message] = ((): [string, string] => {
    switch (outcome.type) {
      case 'clarify':
        return ['needs_clarification', outcome.question];
      case 'query':
        return ['not_a_task', `That is a question (${outcome.echo}), not a task.`];
      case 'chatter':
        return ['not_a_request', outcome.reply];
      case 'unusable':
        return ['unusable_request', outcome.reason];
    }
  })();
  return c.json(errorBody(code, message, { parsed: presentParseOutcome(outcome) }), 422);
}

/** /api/tasks: thin — validate, call one use case, map its result. */
export function createTaskRoutes(core: CoreDeps) {
  return new Hono<GatewayEnv>()
    .post('/', requireJson, validate('json', createTaskBodySchema), async (c) => {
      const body = c.req.valid('json');
      let parsed: Extract<ParseOutcome, { type: 'task' }> | null = null;
      let draft: TaskDraft;
      if ('text' in body) {
        const outcome = await parseText({ deps: core, actor: c.get('actor'), input: body });
        if (!outcome.ok) return domainErrorResponse(c, outcome.error);
        if (outcome.value.type !== 'task') return notATask(c, outcome.value);
        parsed = outcome.value;
        draft = parsed.draft;
      } else draft = body;
      const result = await submitTask({
        deps: core,
        actor: c.get('actor'),
        input: { draft, guess: parsed?.guess },
      });
      if (!result.ok) return domainErrorResponse(c, result.error);
      const { task, approval } = result.value;
      c.header('Location', `/api/tasks/${task.id}`);
      return c.json(
        {
          ...presentTask(task),
          approval: approval ? presentApproval(approval) : null,
          ...(parsed
            ? {
                parsed: {
                  echo: parsed.echo,
                  confidence: parsed.confidence,
                  assumptions: parsed.assumptions,
                  consensus: parsed.consensus,
                  guess: parsed.guess,
                },
              }
            : {}),
        },
        201,
      );
    })
    .get('/', validate('query', listTasksQuerySchema), async (c) => {
      const q = c.req.valid('query');
      const result = await listTasks({
        deps: core,
        actor: c.get('actor'),
        input: {
          limit: q.limit ?? DEFAULT_PAGE,
          ...(q.status ? { status: q.status } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.host ? { host: q.host } : {}),
          ...(q.executor ? { executor: q.executor } : {}),
          ...(q.requester ? { requester: q.requester } : {}),
          ...(q.channel ? { channel: q.channel } : {}),
          ...(q.cursor ? { after: q.cursor } : {}),
        },
      });
      if (!result.ok) return domainErrorResponse(c, result.error);
      const { items, nextCursor } = result.value;
      return c.json({
        items: items.map(presentTask),
        next_cursor: nextCursor ? encodeCursor(nextCursor) : null,
      });
    })
    .get(
      '/:id/output',
      validate('param', taskIdParamSchema),
      validate('query', taskOutputQuerySchema),
      async (c) => {
        const { attempt, stream } = c.req.valid('query');
        const result = await getTaskOutput({
          deps: core,
          actor: c.get('actor'),
          input: { taskId: c.req.valid('param').id, attempt },
        });
        if (!result.ok) return domainErrorResponse(c, result.error);
        const { output } = result.value;
        if (!stream) return c.json(presentTaskOutput(result.value));
        c.header(
          'X-Output-Bytes',
          String(stream === 'stdout' ? output.stdoutBytes : output.stderrBytes),
        );
        c.header('X-Output-Truncated', String(output.truncated));
        return c.text(output[stream]);
      },
    )
    .get('/:id', validate('param', taskIdParamSchema), async (c) => {
      const result = await getTask({
        deps: core,
        actor: c.get('actor'),
        input: { taskId: c.req.valid('param').id },
      });
      return result.ok
        ? c.json(presentTaskDetail(result.value))
        : domainErrorResponse(c, result.error);
    })
    .post(
      '/:id/cancel',
      jsonIfBody,
      validate('param', taskIdParamSchema),
      validate('json', reasonBodySchema),
      async (c) => {
        const input = { taskId: c.req.valid('param').id, reason: c.req.valid('json').reason };
        const result = await cancelTask({ deps: core, actor: c.get('actor'), input });
        return result.ok ? c.json(presentTask(result.value)) : domainErrorResponse(c, result.error);
      },
    )
    .post(
      '/:id/approve',
      jsonIfBody,
      validate('param', taskIdParamSchema),
      validate('json', approveBodySchema),
      async (c) => {
        const input = {
          taskId: c.req.valid('param').id,
          phrase: c.req.valid('json').phrase,
          via: 'button' as const,
        };
        const result = await approveTask({ deps: core, actor: c.get('actor'), input });
        return result.ok ? c.json(presentTask(result.value)) : domainErrorResponse(c, result.error);
      },
    )
    .post(
      '/:id/reject',
      jsonIfBody,
      validate('param', taskIdParamSchema),
      validate('json', reasonBodySchema),
      async (c) => {
        const input = { taskId: c.req.valid('param').id, reason: c.req.valid('json').reason };
        const result = await rejectTask({ deps: core, actor: c.get('actor'), input });
        return result.ok ? c.json(presentTask(result.value)) : domainErrorResponse(c, result.error);
      },
    );
}
