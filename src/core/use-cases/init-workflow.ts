import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { parseWorkflowInput, workflowInputs } from '../workflow-input.js';
import type { Workflow } from '../workflow.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';
import { auditWorkflow } from './workflow-access.js';

type Deps = Pick<CoreDeps, 'workflows' | 'audit' | 'clock' | 'ids'>;

/** `init`: an open workflow owned by the caller; its id names it in every later call. */
export async function initWorkflow({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly title: string; readonly goal?: string | undefined }>): Promise<
  Result<Workflow, DomainError>
> {
  const denied = await denyUnlessAllowed(deps, actor, 'workflow.write', 'workflow:new');
  if (denied) return denied;
  const parsed = parseWorkflowInput(workflowInputs.init, input);
  if (!parsed.ok) return parsed;
  const at = deps.clock.now().toISOString();
  const workflow: Workflow = {
    id: deps.ids.next(),
    title: parsed.value.title,
    goal: parsed.value.goal ?? null,
    acceptance: [],
    status: 'open',
    verdict: null,
    verdictNotes: null,
    requester: actor.id,
    channel: actor.channel,
    createdAt: at,
    updatedAt: at,
    closedAt: null,
  };
  await deps.workflows.create(workflow);
  await auditWorkflow(deps, actor, 'workflow.created', workflow.id, { title: workflow.title });
  return ok(workflow);
}
