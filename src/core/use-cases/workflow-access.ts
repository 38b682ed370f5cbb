import type { Action, Actor } from '../actor.js';
import { workflowSubject, type AuditAction } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import { mayTouchWorkflow, type Workflow } from '../workflow.js';
import { auditEntry, denyUnlessAllowed } from './support.js';

type Deps = Pick<CoreDeps, 'workflows' | 'audit' | 'clock' | 'ids'>;

/**
 * The workflow if this actor may use it. Someone else's workflow answers not_found, exactly
 * like a missing one, so ids do not reveal that a workflow exists.
 */
export async function loadWorkflow(
  deps: Deps,
  actor: Actor,
  id: string,
  action: Extract<Action, 'workflow.read' | 'workflow.write'>,
): Promise<Result<Workflow, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, action, workflowSubject(id));
  if (denied) return denied;
  const workflow = await deps.workflows.get(id);
  if (!workflow || !mayTouchWorkflow(workflow, actor))
    return err({ code: 'not_found', entity: 'workflow', id });
  return ok(workflow);
}

/** Like loadWorkflow, and refuses a closed workflow. */
export async function loadOpenWorkflow(
  deps: Deps,
  actor: Actor,
  id: string,
): Promise<Result<Workflow, DomainError>> {
  const loaded = await loadWorkflow(deps, actor, id, 'workflow.write');
  if (loaded.ok && loaded.value.status === 'closed') return closedError(loaded.value);
  return loaded;
}

export const closedError = (w: Workflow) =>
  err({ code: 'workflow_closed', workflowId: w.id, verdict: w.verdict } as const);

/** After a guarded write missed: the workflow was closed meanwhile (or is gone). */
export async function explainWorkflowMiss(
  deps: Pick<CoreDeps, 'workflows'>,
  id: string,
): Promise<{ ok: false; error: DomainError }> {
  const now = await deps.workflows.get(id);
  return now ? closedError(now) : err({ code: 'not_found', entity: 'workflow', id });
}

export async function auditWorkflow(
  deps: Deps,
  actor: Actor,
  action: AuditAction,
  id: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await deps.audit.append(
    auditEntry(deps, actor, deps.clock.now().toISOString(), action, workflowSubject(id), detail),
  );
}
