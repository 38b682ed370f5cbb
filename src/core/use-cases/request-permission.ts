import { permissionSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import {
  agentTaskId,
  DEFAULT_PERMISSION_TIMEOUT_S,
  type PermissionRequest,
} from '../permission.js';
import { err, ok, type Result } from '../result.js';
import {
  addSeconds,
  auditEntry,
  denyUnlessAllowed,
  notifySafely,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'permissions' | 'audit' | 'clock' | 'ids' | 'notifier'>;

export interface RequestPermissionInput {
  readonly taskId: string;
  readonly toolName: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** Seconds until nobody answering counts as a denial (default 120). */
  readonly timeoutS?: number | undefined;
}

/**
 * A running agent asks to use a tool: the request is stored pending and approvers are shown a
 * card. Only the agent of that task (its capability actor) or the system may ask.
 */
export async function requestPermission({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, RequestPermissionInput>): Promise<Result<PermissionRequest, DomainError>> {
  if (agentTaskId(actor) !== input.taskId) {
    const denied = await denyUnlessAllowed(
      deps,
      actor,
      'permission.request',
      `task:${input.taskId}`,
    );
    if (denied) return denied;
  }
  const task = await deps.tasks.get(input.taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: input.taskId });
  if (task.status !== 'running') {
    return err({ code: 'invalid_transition', from: task.status, to: 'running' });
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  const request: PermissionRequest = {
    id: deps.ids.next(),
    taskId: task.id,
    toolName: input.toolName,
    input: input.input,
    status: 'pending',
    requester: actor.id,
    decidedBy: null,
    createdAt: at,
    expiresAt: addSeconds(now, input.timeoutS ?? DEFAULT_PERMISSION_TIMEOUT_S),
    decidedAt: null,
  };
  await deps.permissions.create(
    request,
    auditEntry(deps, actor, at, 'permission.requested', permissionSubject(request.id), {
      task_id: task.id,
      tool_name: request.toolName,
    }),
  );
  await notifySafely(deps, { type: 'permission.requested', request, task });
  return ok(request);
}
