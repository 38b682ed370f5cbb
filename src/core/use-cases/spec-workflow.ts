import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { parseWorkflowInput, workflowInputs } from '../workflow-input.js';
import type { Workflow } from '../workflow.js';
import type { UseCaseArgs } from './support.js';
import { auditWorkflow, explainWorkflowMiss, loadOpenWorkflow } from './workflow-access.js';

type Deps = Pick<CoreDeps, 'workflows' | 'audit' | 'clock' | 'ids'>;

/** `spec`: the acceptance criteria the verdict will be judged by; replaces earlier ones. */
export async function specWorkflow({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly id: string; readonly acceptance: readonly string[] }>): Promise<
  Result<Workflow, DomainError>
> {
  const loaded = await loadOpenWorkflow(deps, actor, input.id);
  if (!loaded.ok) return loaded;
  const parsed = parseWorkflowInput(workflowInputs.spec, { acceptance: input.acceptance });
  if (!parsed.ok) return parsed;
  const at = deps.clock.now().toISOString();
  const updated = await deps.workflows.setSpec(input.id, parsed.value.acceptance, at);
  if (!updated) return explainWorkflowMiss(deps, input.id);
  await auditWorkflow(deps, actor, 'workflow.specced', input.id, {
    criteria: parsed.value.acceptance.length,
  });
  return ok(updated);
}
