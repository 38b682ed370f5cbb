import type { Pipeline } from '../pipeline.js';

/** Pipeline state; created with its task (TaskStore.create), then advanced by the driver. */
export interface PipelineStore {
  get(taskId: string): Promise<Pipeline | null>;
  /** Pipelines not yet succeeded, failed or cancelled, oldest first. */
  listActive(limit: number): Promise<readonly Pipeline[]>;
  /** Stores `next` if the stored version is still `next.version - 1`; false if it moved on. */
  update(next: Pipeline): Promise<boolean>;
}
