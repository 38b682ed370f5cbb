import type { Actor } from './actor.js';

export const PERMISSION_STATUSES = ['pending', 'allowed', 'denied', 'expired'] as const;
export type PermissionStatus = (typeof PERMISSION_STATUSES)[number];

/** How long an agent's tool-use request waits for a tap before it counts as denied. */
export const DEFAULT_PERMISSION_TIMEOUT_S = 120;

/**
 * An agent asks to use a tool (claude --permission-prompt-tool); an approver allows it once or
 * denies it in chat. Nobody answering in time is a denial, recorded as `expired`.
 */
export interface PermissionRequest {
  readonly id: string;
  readonly taskId: string;
  readonly toolName: string;
  /** The tool's input as the agent sent it: shown to the approver, handed back on allow. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly status: PermissionStatus;
  /** The actor that asked: the agent of the task (`agent:<task id>`). */
  readonly requester: string;
  readonly decidedBy: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedAt: string | null;
}

export type PermissionVerdict = Exclude<PermissionStatus, 'pending'>;

const AGENT_PREFIX = 'agent:';

/**
 * The actor of an agent process holding a per-task capability token: it may ask for permission
 * for its own task and nothing else (it reads no tasks, starts nothing).
 */
export const agentActor = (taskId: string): Actor => ({
  id: `${AGENT_PREFIX}${taskId}`,
  role: 'viewer',
  channel: 'mcp',
});

/** The task an agent actor works for, or null for every other actor. */
export const agentTaskId = (actor: Actor): string | null =>
  actor.channel === 'mcp' && actor.role === 'viewer' && actor.id.startsWith(AGENT_PREFIX)
    ? actor.id.slice(AGENT_PREFIX.length)
    : null;
