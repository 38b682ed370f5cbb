import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { PermissionRequest } from '../permission.js';
import { err, ok, type Result } from '../result.js';
import { expirePermission } from './expire-overdue-permissions.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'permissions' | 'audit' | 'clock' | 'ids' | 'notifier'> & {
  /** Waits between looks at the store; tests pass one that moves a fixed clock. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
};

export interface AwaitPermissionInput {
  readonly requestId: string;
  /** How often to look (ms): the decision may come from another process (a webhook gateway). */
  readonly pollMs?: number | undefined;
  /** Stops waiting (the caller went away); the request stays pending for the sweep. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Waits for the decision by polling the store, so it works across processes. Expiry is a
 * denial, recorded as `expired`. Returns the request as it ended (pending only if aborted).
 */
export async function awaitPermission({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, AwaitPermissionInput>): Promise<Result<PermissionRequest, DomainError>> {
  const pollMs = input.pollMs ?? 500;
  let request = await deps.permissions.get(input.requestId);
  if (!request)
    return err({ code: 'not_found', entity: 'permission request', id: input.requestId });
  if (request.requester !== actor.id) {
    const denied = await denyUnlessAllowed(
      deps,
      actor,
      'permission.request',
      `task:${request.taskId}`,
    );
    if (denied) return denied;
  }
  while (request.status === 'pending' && !input.signal?.aborted) {
    const left = Date.parse(request.expiresAt) - deps.clock.now().getTime();
    if (left <= 0) {
      request = (await expirePermission(deps, request)) ?? (await deps.permissions.get(request.id));
      if (!request)
        return err({ code: 'not_found', entity: 'permission request', id: input.requestId });
      continue;
    }
    await deps.sleep(Math.min(pollMs, left), input.signal);
    request = (await deps.permissions.get(request.id)) ?? request;
  }
  return ok(request);
}
