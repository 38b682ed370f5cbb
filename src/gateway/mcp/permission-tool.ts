import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Actor } from '../../core/actor.js';
import type { CoreDeps } from '../../core/deps.js';
import { describeError } from '../../core/errors.js';
import type { PermissionRequest } from '../../core/permission.js';
import { awaitPermission } from '../../core/use-cases/await-permission.js';
import { requestPermission } from '../../core/use-cases/request-permission.js';

/** `claude --permission-prompt-tool mcp__switchboard__approve_tool_use`. */
export const PERMISSION_TOOL = 'approve_tool_use';
/** Claude waits for an MCP tool's result; an unanswered card is a deny well before its limits. */
export const DEFAULT_PERMISSION_WAIT_S = 110;
export const MAX_TOOL_INPUT_CHARS = 20_000;

const inputSchema = {
  tool_name: z.string().min(1).max(200),
  input: z
    .record(z.string(), z.unknown())
    .refine((v) => JSON.stringify(v).length <= MAX_TOOL_INPUT_CHARS, {
      message: `at most ${MAX_TOOL_INPUT_CHARS} characters of JSON`,
    }),
  tool_use_id: z.string().max(200).optional(),
};

export interface PermissionToolOptions {
  readonly timeoutS?: number | undefined;
  readonly pollMs?: number | undefined;
}

/** Claude reads a text item holding exactly this JSON. */
const verdict = (
  body:
    | { behavior: 'allow'; updatedInput: Readonly<Record<string, unknown>> }
    | { behavior: 'deny'; message: string },
): CallToolResult => ({ content: [{ type: 'text', text: JSON.stringify(body) }] });

function denial(request: PermissionRequest, timeoutS: number): string {
  switch (request.status) {
    case 'denied':
      return `The operator (${request.decidedBy ?? 'an approver'}) denied ${request.toolName}.`;
    case 'expired':
      return `Nobody answered the permission request for ${request.toolName} within ${timeoutS} s, so it is denied.`;
    default:
      return 'The permission request was abandoned.';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The agent's permission prompt: its tool use becomes a card in Telegram and the call returns
 * when an approver taps, or denies when nobody does in time. Only an agent actor sees it.
 */
export function registerPermissionTool(
  server: McpServer,
  core: CoreDeps,
  actor: Actor,
  taskId: string,
  options: PermissionToolOptions,
) {
  const timeoutS = options.timeoutS ?? DEFAULT_PERMISSION_WAIT_S;
  server.registerTool(
    PERMISSION_TOOL,
    {
      title: 'Ask the operator to allow a tool use',
      description:
        'Permission prompt for a coding agent run by Switchboard: the operator allows or denies ' +
        'the tool use from Telegram. Returns {"behavior":"allow","updatedInput":…} or ' +
        '{"behavior":"deny","message":…}.',
      inputSchema,
    },
    async (input, extra) => {
      const asked = await requestPermission({
        deps: core,
        actor,
        input: { taskId, toolName: input.tool_name, input: input.input, timeoutS },
      });
      if (!asked.ok) return verdict({ behavior: 'deny', message: describeError(asked.error) });
      const waited = await awaitPermission({
        deps: { ...core, sleep },
        actor,
        input: { requestId: asked.value.id, pollMs: options.pollMs, signal: extra.signal },
      });
      if (!waited.ok) return verdict({ behavior: 'deny', message: describeError(waited.error) });
      return waited.value.status === 'allowed'
        ? verdict({ behavior: 'allow', updatedInput: input.input })
        : verdict({ behavior: 'deny', message: denial(waited.value, timeoutS) });
    },
  );
}
