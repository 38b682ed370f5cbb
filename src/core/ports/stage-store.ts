import type { Stage } from '../stage.js';

/** Execution attempts; they are opened and closed by JobQueue.claim and TaskStore.transition. */
export interface StageStore {
  listByTask(taskId: string): Promise<readonly Stage[]>;
}
