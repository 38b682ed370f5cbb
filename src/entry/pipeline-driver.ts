import type { CoreDeps } from '../core/deps.js';
import type { DomainEvent } from '../core/events.js';
import type { Logger } from '../core/ports/logger.js';
import { advancePipelines } from '../core/use-cases/advance-pipelines.js';

/**
 * Runs advancePipelines when something a pipeline waits on changed, one run at a time; a
 * change during a run asks for one more run afterwards. The maintenance loop calls it too,
 * and the first call after a start resumes whatever a restart interrupted.
 */
export function createPipelineDriver(core: CoreDeps, log: Logger) {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await advancePipelines({ deps: core });
        } catch (e) {
          log.error('pipelines could not advance', { error: String(e) });
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  };
  return {
    run,
    /** For the notifier: pipelines move when their own task or one of their steps changes. */
    onEvent(event: DomainEvent) {
      if (event.type !== 'task.changed') return;
      const { task } = event;
      if (task.kind === 'pipeline' || task.requester.startsWith('pipeline:')) void run();
    },
    /** Resolves once no run is in progress (a Worker waits for this before its isolate may go). */
    async idle(): Promise<void> {
      while (running) await running;
    },
    /** No more runs; resolves once the one in progress (if any) has finished. */
    stop(): Promise<void> {
      stopped = true;
      return running ?? Promise.resolve();
    },
  };
}
