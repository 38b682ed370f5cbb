import type { CoreDeps } from '../core/deps.js';
import type { DomainEvent } from '../core/events.js';
import type { Logger } from '../core/ports/logger.js';
import { CONSENSUS_RUNG } from '../core/escalation.js';
import {
  advanceConsensusRung,
  advanceConsensusRungs,
  ladderTaskOf,
} from '../core/use-cases/advance-consensus-rung.js';

/**
 * Moves tasks on their consensus rung when something they wait on changed: the task itself
 * (it reached the rung, or was cancelled) or one of its sides. Runs are serialised, so two
 * events never start the same side twice; the maintenance loop sweeps all of them (restarts).
 */
export function createLadderDriver(core: CoreDeps, log: Logger) {
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const enqueue = (step: () => Promise<unknown>): Promise<void> => {
    if (stopped) return Promise.resolve();
    const next = chain
      .then(step)
      .catch((e: unknown) => log.error('consensus rung could not advance', { error: String(e) }));
    chain = next;
    return next.then(() => undefined);
  };
  return {
    run: () => enqueue(() => advanceConsensusRungs({ deps: core })),
    /** Resolves when the step it set off is done (a Worker awaits it in waitUntil). */
    onEvent(event: DomainEvent): Promise<void> | undefined {
      if (event.type !== 'task.changed') return undefined;
      const { task } = event;
      const id = task.executor === CONSENSUS_RUNG ? task.id : ladderTaskOf(task.requester);
      return id ? enqueue(() => advanceConsensusRung({ deps: core, taskId: id })) : undefined;
    },
    stop(): Promise<void> {
      stopped = true;
      return chain.then(() => undefined);
    },
  };
}
