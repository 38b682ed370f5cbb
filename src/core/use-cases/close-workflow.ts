import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { parseWorkflowInput, workflowInputs } from '../workflow-input.js';
import type { Workflow, WorkflowVerdict } from '../workflow.js';
import type { UseCaseArgs } from './support.js';
import { auditWorkflow, explainWorkflowMiss, loadOpenWorkflow } from './workflow-access.js';

type Deps = Pick<CoreDeps, 'workflows' | 'audit' | 'clock' | 'ids'>;

export interface CloseWorkflowInput {
  readonly id: string;
  readonly verdict: WorkflowVerdict;
  readonly notes?: string | undefined;
}

/** `close`: records the verdict once; a closed workflow takes no more specs or stages. */
export async function closeWorkflow({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, CloseWorkflowInput>): Promise<Result<Workflow, DomainError>> {
  const loaded = await loadOpenWorkflow(deps, actor, input.id);
  if (!loaded.ok) return loaded;
  const parsed = parseWorkflowInput(workflowInputs.close, {
    verdict: input.verdict,
    notes: input.notes,
  });
  if (!parsed.ok) return parsed;
  const at = deps.clock.now().toISOString();
  const closed = await deps.workflows.close(
    input.id,
    parsed.value.verdict,
    parsed.value.notes ?? null,
    at,
  );
  if (!closed) return explainWorkflowMiss(deps, input.id);
  await auditWorkflow(deps, actor, 'workflow.closed', input.id, { verdict: closed.verdict });
  return ok(closed);
}
