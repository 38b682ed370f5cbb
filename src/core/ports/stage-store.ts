import type { Stage, StoredOutput } from '../stage.js';

/** Execution attempts; they are opened and closed by JobQueue.claim and TaskStore.transition. */
export interface StageStore {
  listByTask(taskId: string): Promise<readonly Stage[]>;
  /** The capped output stored when the attempt ended; null if none was stored. */
  output(taskId: string, attempt: number): Promise<StoredOutput | null>;
}
