import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { expireApproval } from './pending-approval.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'approvals' | 'audit' | 'clock' | 'ids' | 'notifier'>;

/** Approval requests that nobody answered in time count as rejected (SPEC §3.1). */
export async function expireStaleApprovals({
  deps,
  actor,
}: UseCaseArgs<Deps, Record<string, never>>): Promise<Result<readonly string[], DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'lease.reap', 'approvals');
  if (denied) return denied;
  const expired: string[] = [];
  for (const approval of await deps.approvals.listExpired(deps.clock.now().toISOString(), 100)) {
    const task = await expireApproval(deps, actor, approval);
    if (task) expired.push(task.id);
  }
  return ok(expired);
}
