import type { NewWorkflowStage, Workflow, WorkflowStage, WorkflowVerdict } from '../workflow.js';

/**
 * Workflows and their stages. Every change applies only to an open workflow, in one atomic
 * statement; a null answer means "missing or closed" and the caller reads `get` to tell which.
 */
export interface WorkflowStore {
  create(workflow: Workflow): Promise<void>;
  get(id: string): Promise<Workflow | null>;
  /** Replaces the acceptance criteria of an open workflow. */
  setSpec(id: string, acceptance: readonly string[], at: string): Promise<Workflow | null>;
  /** Appends a stage to an open workflow with the next seq (1 for the first), atomically. */
  appendStage(stage: NewWorkflowStage): Promise<WorkflowStage | null>;
  /** Closes an open workflow with its verdict; null if it is missing or already closed. */
  close(
    id: string,
    verdict: WorkflowVerdict,
    notes: string | null,
    at: string,
  ): Promise<Workflow | null>;
  /** Stages in seq order. */
  listStages(workflowId: string): Promise<readonly WorkflowStage[]>;
  /** The workflow a task was executed in, if any. */
  workflowOfTask(taskId: string): Promise<string | null>;
}
