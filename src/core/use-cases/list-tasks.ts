import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { TaskPage, TaskQuery } from '../ports/task-store.js';
import { ok, type Result } from '../result.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'audit' | 'clock' | 'ids'>;

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

export async function listTasks({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, TaskQuery>): Promise<Result<TaskPage, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.read', 'tasks');
  if (denied) return denied;
  const wanted = Number.isFinite(input.limit) ? Math.trunc(input.limit) : DEFAULT_PAGE;
  const limit = Math.min(Math.max(1, wanted), MAX_PAGE);
  return ok(await deps.tasks.list({ ...input, limit }));
}
