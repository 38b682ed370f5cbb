import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Claim } from '../core/ports/job-queue.js';
import type { StoredOutput } from '../core/stage.js';
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
 * How long a runner waits after the gateway refused its claim (403: its token does not serve
 * the hosts it asked for). A config error does not fix itself; each refusal is audited.
 */
export const REFUSED_CLAIM_BACKOFF_MS = 60_000;

/**
 * The runner service's side of /runner/v1. A report that cannot reach the gateway is retried
 * (a finished task's result must not be lost to a blip); a 409 means the lease is gone.
 */
export function createHttpWorkSource(options: HttpWorkSourceOptions): Required<WorkSource> & {
  /** The gateway's /mcp (as this runner reaches it) and the token it sent with the claim. */
  agentMcp(taskId: string, fencingToken: number): AgentMcpGrant | { readonly unavailable: string };
} {
  const doFetch = options.fetch ?? fetch;
  const base = options.gatewayUrl.replace(/\/+$/, '');
  let leaseS = 30;
  let refusedUntil = 0;
  // Per claim (task id + fencing token), dropped when the claim is reported.
  const agentTokens = new Map<string, string>();
  const claimKey = (taskId: string, fencingToken: number) => `${taskId}#${fencingToken}`;
  const post = (path: string, body: unknown, timeoutMs: number, signal?: AbortSignal) =>
    doFetch(`${base}/runner/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      // A stream goes out chunked; fetch insists on being told it is half duplex.
      ...(body instanceof ReadableStream
        ? { body, duplex: 'half' }
        : { body: JSON.stringify(body) }),
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    } as RequestInit);
  const refused = async (res: Response) =>
    new GatewayError(`gateway answered ${res.status}: ${(await res.text()).slice(0, 200)}`);

  return {
    get leaseS() {
      return leaseS;
    },
    async claim(signal) {
      const backoff = refusedUntil - Date.now();
      if (backoff > 0) await sleep(backoff, undefined, signal ? { signal } : {});
      const waitS = options.waitS ?? 20;
      const res = await post(
        '/claim',
        { hosts: options.hosts, wait_s: waitS },
        (waitS + 10) * 1_000,
        signal,
      );
      if (res.status === 204) return null;
      if (res.status === 403) refusedUntil = Date.now() + REFUSED_CLAIM_BACKOFF_MS;
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
    async survivorsKilled({ owner, ...rest }) {
      const res = await post('/survivors', { ...rest, task_id: owner }, 10_000);
      if (!res.ok) throw await refused(res);
    },
    async complete(taskId, fencingToken, outcome, result, output) {
      agentTokens.delete(claimKey(taskId, fencingToken));
      for (let attempt = 1; ; attempt++) {
        try {
          const report = { fencing_token: fencingToken, outcome, result };
          const res = await post(
            `/tasks/${encodeURIComponent(taskId)}/complete`,
            output ? jsonStream(completionJson(report, output)) : report,
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

/** Characters escaped at a time: up to 6 bytes each once escaped, so pieces stay small. */
const SLICE_CHARS = 64 * 1024;

/**
 * The completion's JSON, in pieces. Its output holds up to 5 MiB a stream; as one
 * JSON.stringify and then its UTF-8 bytes, a report held that output twice more at once (more
 * where escaping grows it), on top of the capture itself.
 */
export function* completionJson(report: object, output: StoredOutput): Generator<string> {
  const { stdout, stderr, ...counts } = output;
  const open = JSON.stringify(report).slice(0, -1);
  yield `${open},"output":${JSON.stringify(counts).slice(0, -1)},"stdout":"`;
  yield* escaped(stdout);
  yield '","stderr":"';
  yield* escaped(stderr);
  yield '"}}';
}

// A slice may end between the two halves of a surrogate pair: each half is then written as its
// own \u escape, and JSON.parse joins the two escapes back into the one character.
function* escaped(text: string): Generator<string> {
  for (let i = 0; i < text.length; i += SLICE_CHARS)
    yield JSON.stringify(text.slice(i, i + SLICE_CHARS)).slice(1, -1);
}

function jsonStream(pieces: Iterator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const next = pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
}
