import { Hono } from 'hono';
import type { CoreDeps } from '../../core/deps.js';
import { normalizeOutput } from '../../core/compression/normalize.js';
import { getTask } from '../../core/use-cases/get-task.js';
import { rerunTask } from '../../core/use-cases/rerun-task.js';
import { presentCompressed } from '../compression-view.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse } from '../http-errors.js';
import { presentApproval, presentTask } from '../presenters.js';
import { validate } from '../validation.js';
import { taskIdParamSchema } from './task-schemas.js';

/** The result as SPEC §3.5 compresses it (summary line, Mermaid, text), and Re-run. */
export function createTaskResultRoutes(core: CoreDeps) {
  return new Hono<GatewayEnv>()
    .get('/:id/result', validate('param', taskIdParamSchema), async (c) => {
      const r = await getTask({
        deps: core,
        actor: c.get('actor'),
        input: { taskId: c.req.valid('param').id },
      });
      if (!r.ok) return domainErrorResponse(c, r.error);
      return c.json({
        task_id: r.value.task.id,
        ...presentCompressed(normalizeOutput(r.value.task, r.value.stages)),
      });
    })
    .post('/:id/rerun', validate('param', taskIdParamSchema), async (c) => {
      const r = await rerunTask({
        deps: core,
        actor: c.get('actor'),
        input: { taskId: c.req.valid('param').id },
      });
      if (!r.ok) return domainErrorResponse(c, r.error);
      const { task, approval } = r.value;
      c.header('Location', `/api/tasks/${task.id}`);
      return c.json(
        { ...presentTask(task), approval: approval ? presentApproval(approval) : null },
        201,
      );
    });
}
