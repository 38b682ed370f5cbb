import { z } from 'zod';
import type { Claim } from '../core/ports/job-queue.js';
import type { AgentMcpGrant } from './mcp-config-file.js';
import type { WorkSource } from './work-source.js';

export interface HttpWorkSourceOptions {
  readonly gatewayUrl: string;
  readonly token: string;
  /** Hosts this runner service can reach; it is only given tasks for them. */
  readonly hosts: readonly string[];
  /** How long one claim request waits on the gateway for work (long poll). */
  readonly waitS?: number;
  readonly fetch?: typeof fetch;
}

// What the runner needs of a claim; anything else the gateway sends passes through untouched.
const claimSchema = z.looseObject({
  task: z.looseObject({
    id: z.string(),
    kind: z.string(),
    status: z.literal('running'),
    host: z.string().nullable(),
    argv: z.array(z.string()).nullable(),
    prompt: z.string().nullable(),
    executor: z.string().nullable(),
    repo: z.string().nullable(),
    timeoutS: z.number().int().positive(),
  }),
  lease: z.looseObject({
    taskId: z.string(),
    fencingToken: z.number().int(),
    expiresAt: z.string(),
  }),
  stage: z.looseObject({ id: z.string(), attempt: z.number().int() }),
});

class GatewayError extends Error {}

/**
 * The runner service's side of /runner/v1. A report that cannot reach the gateway is retried
 * (a finished task's result must not be lost to a blip); a 409 means the lease is gone.
 */
export function createHttpWorkSource(options: HttpWorkSourceOptions): WorkSource & {
  /** The gateway's /mcp (as this runner reaches it) and the token it sent with the claim. */
  agentMcp(taskId: string, fencingToken: number): AgentMcpGrant | { readonly unavailable: string };
} {
  const doFetch = options.fetch ?? fetch;
  const base = options.gatewayUrl.replace(/\/+$/, '');
  let leaseS = 30;
  // Per claim (task id + fencing token), dropped when the claim is reported.
  const agentTokens = new Map<string, string>();
  const claimKey = (taskId: string, fencingToken: number) => `${taskId}#${fencingToken}`;
  const post = (path: string, body: unknown, timeoutMs: number, signal?: AbortSignal) =>
    doFetch(`${base}/runner/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });
  const refused = async (res: Response) =>
    new GatewayError(`gateway answered ${res.status}: ${(await res.text()).slice(0, 200)}`);

  return {
    get leaseS() {
      return leaseS;
    },
    async claim(signal) {
      const waitS = options.waitS ?? 20;
      const res = await post(
        '/claim',
        { hosts: options.hosts, wait_s: waitS },
        (waitS + 10) * 1_000,
        signal,
      );
      if (res.status === 204) return null;
      if (!res.ok) throw await refused(res);
      const body = (await res.json()) as { claim?: unknown; agent_token?: unknown };
      const parsed = claimSchema.safeParse(body.claim);
      if (!parsed.success) throw new GatewayError(`malformed claim: ${parsed.error.message}`);
      if (typeof body.agent_token === 'string' && body.agent_token.length <= 200) {
        agentTokens.set(
          claimKey(parsed.data.task.id, parsed.data.lease.fencingToken),
          body.agent_token,
        );
      }
      leaseS = Math.max(5, (Date.parse(parsed.data.lease.expiresAt) - Date.now()) / 1_000);
      return parsed.data as unknown as Claim;
    },
    async heartbeat(taskId, fencingToken) {
      const res = await post(
        `/tasks/${encodeURIComponent(taskId)}/heartbeat`,
        { fencing_token: fencingToken },
        10_000,
      );
      if (res.status === 409 || res.status === 404) return false;
      if (!res.ok) throw await refused(res);
      return true;
    },
    async progress(taskId, fencingToken, outputTail, elapsedMs, costUsd) {
      const res = await post(
        `/tasks/${encodeURIComponent(taskId)}/events`,
        {
          fencing_token: fencingToken,
          output_tail: outputTail,
          elapsed_ms: Math.round(elapsedMs),
          ...(costUsd ? { cost_usd: costUsd } : {}),
        },
        10_000,
      );
      if (res.status === 409 || res.status === 404) return false;
      if (!res.ok) throw await refused(res);
      // 200 with a body: the gateway's answer to the streamed spend.
      if (res.status === 200) {
        const body = (await res.json().catch(() => null)) as { halt?: unknown } | null;
        if (body?.halt === true) return 'halt';
      }
      return true;
    },
    agentMcp(taskId, fencingToken) {
      const token = agentTokens.get(claimKey(taskId, fencingToken));
      return token
        ? { url: `${base}/mcp`, token }
        : { unavailable: 'the gateway sent no agent token with this claim' };
    },
    async complete(taskId, fencingToken, outcome, result, output) {
      agentTokens.delete(claimKey(taskId, fencingToken));
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await post(
            `/tasks/${encodeURIComponent(taskId)}/complete`,
            { fencing_token: fencingToken, outcome, result, ...(output ? { output } : {}) },
            15_000,
          );
          if (res.status === 409 || res.status === 404) return false;
          if (!res.ok) throw await refused(res);
          return true;
        } catch (e) {
          if (attempt >= 5 || e instanceof GatewayError) throw e;
          await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
        }
      }
    },
  };
}
