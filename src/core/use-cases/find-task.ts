import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import type { Task } from '../task.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'audit' | 'clock' | 'ids'>;

const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHORT_REF = /^[0-9a-f]{4,12}$/;

/** The reference a chat shows for a task: the end of its id (UUIDv7 starts with the time). */
export const shortRef = (taskId: string): string => taskId.replace(/-/g, '').slice(-8);

/** A task by full id or by the short reference a chat shows ("#3f9a2c1b", "cancel 3f9a2c1b"). */
export async function findTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly ref: string }>): Promise<Result<Task, DomainError>> {
  const ref = input.ref.trim().replace(/^#/, '').toLowerCase();
  const denied = await denyUnlessAllowed(deps, actor, 'task.read', `task:${ref}`);
  if (denied) return denied;
  const notFound = err({ code: 'not_found', entity: 'task', id: input.ref } as const);
  if (FULL_ID.test(ref)) {
    const task = await deps.tasks.get(ref);
    return task ? ok(task) : notFound;
  }
  if (!SHORT_REF.test(ref)) return notFound;
  const found = (await deps.tasks.findBySuffix(ref, 50)).filter((t) =>
    shortRef(t.id).endsWith(ref),
  );
  if (found.length === 1 && found[0]) return ok(found[0]);
  if (found.length === 0) return notFound;
  return err({
    code: 'invalid_input',
    issues: [
      { path: 'task', message: `${found.length} tasks end with ${ref}; give more of the id` },
    ],
  });
}
