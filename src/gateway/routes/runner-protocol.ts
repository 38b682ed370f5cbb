import { Hono } from 'hono';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import { CHANGES_DIFF_CHARS, STORED_OUTPUT_BYTES } from '../../core/stage.js';
import { sessionIdSchema } from '../../core/cli-values.js';
import { remoteHosts } from '../../core/runner-identity.js';
import { mintAgentToken } from '../agent-token.js';
import { claimNextTask } from '../../core/use-cases/claim-next-task.js';
import { completeTask } from '../../core/use-cases/complete-task.js';
import { heartbeatTask } from '../../core/use-cases/heartbeat-task.js';
import { recordSurvivorKill, SURVIVOR_REASONS } from '../../core/use-cases/record-survivor-kill.js';
import { PROGRESS_TAIL_CHARS, reportProgress } from '../../core/use-cases/report-progress.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse } from '../http-errors.js';
import { requireJson } from '../middleware/require-json.js';
import { validate } from '../validation.js';
import { taskIdParamSchema } from './task-schemas.js';

// Proxies and load balancers commonly drop idle requests at 30–60 s; a long poll stays below.
const MAX_WAIT_S = 25;

const claimBody = z.strictObject({
  hosts: z.array(z.string().min(1).max(64)).max(100).nullable().optional(),
  wait_s: z.number().int().min(0).max(MAX_WAIT_S).optional(),
});
const heartbeatBody = z.strictObject({ fencing_token: z.number().int().min(1) });
const text = z
  .string()
  .max(64 * 1024)
  .nullable();
const eventsBody = z.strictObject({
  fencing_token: z.number().int().min(1),
  output_tail: z.string().max(PROGRESS_TAIL_CHARS * 2),
  elapsed_ms: z.number().int().min(0),
  cost_usd: z.number().min(0).max(1_000_000).optional(),
});
const completeBody = z.strictObject({
  fencing_token: z.number().int().min(1),
  outcome: z.enum(['succeeded', 'failed', 'timed_out']),
  result: z.strictObject({
    exitCode: z.number().int().nullable(),
    signal: z.string().max(32).nullable(),
    errorClass: z.string().max(64).nullable(),
    latencyMs: z.number().int().min(0).nullable(),
    tokensIn: z.number().int().min(0),
    tokensOut: z.number().int().min(0),
    costUsd: z.number().min(0).max(100_000),
    stdoutTail: text,
    stderrTail: text,
    summary: z.string().max(4_000).nullable(),
    outputPath: z.string().max(4_096).nullable(),
    // Resumed later as a CLI argument: only a real session id (a UUID) is accepted.
    sessionId: sessionIdSchema.nullable(),
    changesDiff: z
      .string()
      .max(CHANGES_DIFF_CHARS + 200)
      .nullable()
      // Runners that predate it send none.
      .default(null),
  }),
  // The capped output; each stream's text is at most the whole cap plus the omission marker.
  output: z
    .strictObject({
      stdout: z.string().max(STORED_OUTPUT_BYTES + 100),
      stderr: z.string().max(STORED_OUTPUT_BYTES + 100),
      stdoutBytes: z.number().int().min(0),
      stderrBytes: z.number().int().min(0),
      truncated: z.boolean(),
    })
    .optional(),
});

const survivorsBody = z.strictObject({
  host: z.string().min(1).max(64),
  task_id: z.string().min(1).max(64).nullable(),
  pgid: z.number().int().min(2).nullable(),
  reason: z.enum(SURVIVOR_REASONS),
  found: z.number().int().min(0).max(1_000_000),
  gone: z.boolean(),
});

/**
 * Runner reports may carry the stored output (10 MiB) as JSON, where escaping can multiply
 * binary output up to 6×; only authenticated runners get this far (see app.ts).
 */
export const RUNNER_BODY_LIMIT_BYTES = 6 * STORED_OUTPUT_BYTES + 64 * 1024;

export interface RunnerProtocolDeps {
  readonly core: CoreDeps;
  /** Keys the per-claim agent tokens (permission prompts), as /mcp checks them. */
  readonly agentTokenSecret: string;
  /** Resolves when work may have been queued, or after `ms`, or when `signal` aborts. */
  waitForWork(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * /runner/v1: how runner services pull work (outbound connections only, so a runner can sit
 * behind NAT). The claim long-polls; reports carry the lease's fencing token, and a stale one
 * is answered 409 like any other lease error.
 */
export function createRunnerProtocolRoutes(deps: RunnerProtocolDeps) {
  return new Hono<GatewayEnv>()
    .post('/claim', requireJson, validate('json', claimBody), async (c) => {
      const actor = c.get('actor');
      const body = c.req.valid('json');
      const deadline = Date.now() + (body.wait_s ?? 0) * 1_000;
      for (;;) {
        const claimed = await claimNextTask({
          deps: deps.core,
          actor,
          // A token serves the hosts it was made for, never the gateway's own machine.
          input: { runnerId: actor.id, serves: remoteHosts(c.get('runner')), hosts: body.hosts },
        });
        if (!claimed.ok) return domainErrorResponse(c, claimed.error);
        if (claimed.value) {
          const { task, lease } = claimed.value;
          // An agent on the runner's host asks for tool permissions at /mcp with this token,
          // valid for this claim only; the runner writes it to a 0600 file, never to argv.
          const agentToken =
            task.kind === 'agent'
              ? await mintAgentToken(deps.agentTokenSecret, task.id, lease.fencingToken)
              : null;
          return c.json({ claim: claimed.value, agent_token: agentToken });
        }
        const left = deadline - Date.now();
        if (left <= 0 || c.req.raw.signal.aborted) return c.body(null, 204);
        await deps.waitForWork(left, c.req.raw.signal);
      }
    })
    .post(
      '/tasks/:id/heartbeat',
      requireJson,
      validate('param', taskIdParamSchema),
      validate('json', heartbeatBody),
      async (c) => {
        const input = {
          taskId: c.req.valid('param').id,
          fencingToken: c.req.valid('json').fencing_token,
        };
        const r = await heartbeatTask({ deps: deps.core, actor: c.get('actor'), input });
        return r.ok ? c.json({ expires_at: r.value.expiresAt }) : domainErrorResponse(c, r.error);
      },
    )
    .post(
      '/tasks/:id/events',
      requireJson,
      validate('param', taskIdParamSchema),
      validate('json', eventsBody),
      async (c) => {
        const body = c.req.valid('json');
        const input = {
          taskId: c.req.valid('param').id,
          fencingToken: body.fencing_token,
          outputTail: body.output_tail,
          elapsedMs: body.elapsed_ms,
          costUsd: body.cost_usd,
        };
        const r = await reportProgress({ deps: deps.core, actor: c.get('actor'), input });
        if (!r.ok) return domainErrorResponse(c, r.error);
        return r.value.halt ? c.json({ halt: true }, 200) : c.body(null, 202);
      },
    )
    .post(
      '/tasks/:id/complete',
      requireJson,
      validate('param', taskIdParamSchema),
      validate('json', completeBody),
      async (c) => {
        const body = c.req.valid('json');
        const input = {
          taskId: c.req.valid('param').id,
          fencingToken: body.fencing_token,
          outcome: body.outcome,
          result: body.result,
          output: body.output,
        };
        const r = await completeTask({ deps: deps.core, actor: c.get('actor'), input });
        return r.ok
          ? c.json({ id: r.value.id, status: r.value.status })
          : domainErrorResponse(c, r.error);
      },
    )
    .post(
      // Leftovers of an earlier run were killed on a host (its end was never confirmed): audited.
      '/survivors',
      requireJson,
      validate('json', survivorsBody),
      async (c) => {
        const { task_id: taskId, ...rest } = c.req.valid('json');
        const input = { ...rest, taskId };
        const r = await recordSurvivorKill({ deps: deps.core, actor: c.get('actor'), input });
        return r.ok ? c.body(null, 204) : domainErrorResponse(c, r.error);
      },
    );
}
