import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { auditEntry, denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'audit' | 'clock' | 'ids'>;

export const SURVIVOR_REASONS = [
  'connection_lost',
  'kill_unconfirmed',
  'runner_restarted',
] as const;

export interface SurvivorKillInput {
  readonly host: string;
  /** The task whose run left the processes; null when the run named none. */
  readonly taskId: string | null;
  readonly pgid: number | null;
  /** Why the run's end was not confirmed. */
  readonly reason: (typeof SURVIVOR_REASONS)[number];
  readonly found: number;
  /** false: something outlived KILL and is still on the host. */
  readonly gone: boolean;
}

/**
 * A runner killed what an earlier run left on a host before running anything new there (its
 * end was never confirmed). Only audited: the task itself was already settled by its own report
 * or by the lease reaper, and fencing keeps a re-run from overlapping a live first run.
 */
export async function recordSurvivorKill({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, SurvivorKillInput>): Promise<Result<null, DomainError>> {
  const subject = input.taskId ? taskSubject(input.taskId) : `host:${input.host}`;
  const denied = await denyUnlessAllowed(deps, actor, 'task.report', subject);
  if (denied) return denied;
  const { host, pgid, reason, found, gone } = input;
  await deps.audit.append(
    auditEntry(deps, actor, deps.clock.now().toISOString(), 'task.survivors_killed', subject, {
      host,
      pgid,
      reason,
      found,
      gone,
    }),
  );
  return ok(null);
}
