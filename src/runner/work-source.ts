import type { Actor } from '../core/actor.js';
import type { CoreDeps } from '../core/deps.js';
import type { Claim } from '../core/ports/job-queue.js';
import type { StageResult, StoredOutput } from '../core/stage.js';
import { claimNextTask } from '../core/use-cases/claim-next-task.js';
import { completeTask, type CompletionOutcome } from '../core/use-cases/complete-task.js';
import { heartbeatTask } from '../core/use-cases/heartbeat-task.js';
import { recordSurvivorKill } from '../core/use-cases/record-survivor-kill.js';
import { reportProgress } from '../core/use-cases/report-progress.js';
import type { SurvivorReport } from './transport.js';

/**
 * Where a runner gets work and reports it: the core in this process (embedded runner), or a
 * gateway over HTTP (runner service). Same semantics either way: leases and fencing tokens.
 */
export interface WorkSource {
  readonly leaseS: number;
  /** The next task for this runner, or null when there is none (may wait a while first). */
  claim(signal?: AbortSignal): Promise<Claim | null>;
  /** false: the lease is gone (cancelled, reaped, re-claimed) and the work must stop. */
  heartbeat(taskId: string, fencingToken: number): Promise<boolean>;
  /**
   * Latest output of a running task, for live views, with its streamed spend so far. false: the
   * lease is gone; 'halt': the spend crossed the per-task halt limit and the work must be killed.
   */
  progress(
    taskId: string,
    fencingToken: number,
    outputTail: string,
    elapsedMs: number,
    costUsd?: number | null,
  ): Promise<boolean | 'halt'>;
  /** false: the report was refused (stale fencing token). */
  complete(
    taskId: string,
    fencingToken: number,
    outcome: CompletionOutcome,
    result: StageResult,
    /** The capped output to store with the stage, if the command printed anything. */
    output: StoredOutput | null,
  ): Promise<boolean>;
  /** Records (audits) that leftovers of an earlier run were killed on a host. */
  survivorsKilled?(report: SurvivorReport): Promise<void>;
}

export function createInProcessWorkSource(
  core: CoreDeps,
  /** The embedded runner: its name, and every host it serves (`local` and the configured). */
  runner: { readonly id: string; readonly hosts: readonly string[] },
): Required<WorkSource> {
  const actor: Actor = { id: runner.id, role: 'runner', channel: 'runner' };
  return {
    leaseS: core.leaseS,
    async claim() {
      const r = await claimNextTask({
        deps: core,
        actor,
        input: { runnerId: runner.id, serves: runner.hosts },
      });
      if (!r.ok) throw new Error(`claim refused: ${r.error.code}`);
      return r.value;
    },
    async heartbeat(taskId, fencingToken) {
      return (await heartbeatTask({ deps: core, actor, input: { taskId, fencingToken } })).ok;
    },
    async progress(taskId, fencingToken, outputTail, elapsedMs, costUsd) {
      const input = { taskId, fencingToken, outputTail, elapsedMs, costUsd };
      const r = await reportProgress({ deps: core, actor, input });
      return r.ok && r.value.halt ? 'halt' : r.ok;
    },
    async complete(taskId, fencingToken, outcome, result, output) {
      const input = { taskId, fencingToken, outcome, result, output: output ?? undefined };
      return (await completeTask({ deps: core, actor, input })).ok;
    },
    async survivorsKilled({ owner, ...rest }) {
      const input = { ...rest, taskId: owner };
      const r = await recordSurvivorKill({ deps: core, actor, input });
      if (!r.ok) throw new Error(`survivor report refused: ${r.error.code}`);
    },
  };
}
