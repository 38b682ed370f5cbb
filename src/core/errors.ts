import type { Action, Role } from './actor.js';
import type { ApprovalStatus } from './approval.js';
import type { PermissionVerdict } from './permission.js';
import type { TaskStatus } from './task.js';
import type { WorkflowVerdict } from './workflow.js';

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The closed set of expected failures. Each adapter maps it with one exhaustive switch
 * (HTTP status, chat text, MCP isError); nothing branches on message text.
 */
export type DomainError =
  | {
      readonly code: 'not_found';
      readonly entity: 'task' | 'output' | 'workflow' | 'permission request' | 'host';
      readonly id: string;
    }
  | { readonly code: 'forbidden'; readonly action: Action; readonly role: Role }
  | { readonly code: 'invalid_input'; readonly issues: readonly FieldIssue[] }
  | { readonly code: 'invalid_transition'; readonly from: TaskStatus; readonly to: TaskStatus }
  | {
      readonly code: 'already_decided';
      readonly taskId: string;
      readonly status: ApprovalStatus;
      readonly decidedBy: string | null;
    }
  | { readonly code: 'approval_expired'; readonly taskId: string; readonly expiredAt: string }
  | { readonly code: 'phrase_required'; readonly taskId: string; readonly phrase: string }
  /** Typed text is no decision on a button gate, whatever it says ("NO! do not run this"). */
  | { readonly code: 'tap_required'; readonly taskId: string; readonly gate: 'confirm' | 'tap' }
  /** A program asked to open the gate on its own request; a person must decide. */
  | { readonly code: 'self_approval'; readonly taskId: string }
  /** A tool-use request was already allowed, denied, or expired: a later tap changes nothing. */
  | {
      readonly code: 'permission_decided';
      readonly requestId: string;
      readonly status: PermissionVerdict;
      readonly decidedBy: string | null;
    }
  /** The operator already decided what becomes of a task whose ladder ended. */
  | {
      readonly code: 'escalation_decided';
      readonly taskId: string;
      readonly decision: string;
      readonly decidedBy: string;
    }
  | { readonly code: 'lease_lost'; readonly taskId: string }
  /** A runner reported on a lease another runner holds (its token did not make the claim). */
  | { readonly code: 'not_lease_holder'; readonly taskId: string }
  /** A runner asked for work on hosts its token does not name (empty: its token names none). */
  | {
      readonly code: 'host_not_served';
      readonly runnerId: string;
      readonly hosts: readonly string[];
    }
  | { readonly code: 'lease_expired'; readonly taskId: string; readonly expiredAt: string }
  /** A closed workflow keeps its record as it was: no more specs, stages or verdicts. */
  | {
      readonly code: 'workflow_closed';
      readonly workflowId: string;
      readonly verdict: WorkflowVerdict | null;
    };

export type DomainErrorCode = DomainError['code'];

const human = (status: TaskStatus): string => status.replace('_', ' ');

/** One human-readable sentence per error, shared by every channel. */
export function describeError(error: DomainError): string {
  switch (error.code) {
    case 'not_found':
      return error.entity === 'output'
        ? `No stored output for ${error.id} (the attempt printed nothing, or has not ended).`
        : `No ${error.entity} with id ${error.id}.`;
    case 'forbidden':
      return `A ${error.role} may not do ${error.action}.`;
    case 'invalid_input':
      return `Invalid input: ${error.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}.`;
    case 'invalid_transition':
      return error.from === error.to
        ? `The task is already ${human(error.from)}.`
        : `A ${human(error.from)} task cannot become ${human(error.to)}.`;
    case 'already_decided':
      return `Already ${error.status}${error.decidedBy ? ` by ${error.decidedBy}` : ''}.`;
    case 'approval_expired':
      return `The approval request expired at ${error.expiredAt}; submit the task again.`;
    case 'phrase_required':
      return `This task needs the typed confirmation "${error.phrase}".`;
    case 'tap_required':
      return error.gate === 'confirm'
        ? 'A reply does not start it: tap Run or Cancel on the card, or Edit to reword it.'
        : 'A reply does not approve it: tap Approve or Reject on the card.';
    case 'self_approval':
      return `Task ${error.taskId} was requested by this same client; an approver decides it in Telegram or the web app.`;
    case 'permission_decided':
      return error.status === 'expired'
        ? 'That request expired: nobody answered in time, so it was denied.'
        : `Already ${error.status}${error.decidedBy ? ` by ${error.decidedBy}` : ''}.`;
    case 'escalation_decided':
      return `Already decided by ${error.decidedBy}: ${error.decision}.`;
    case 'lease_lost':
      return `The lease on task ${error.taskId} is no longer held by this runner.`;
    case 'not_lease_holder':
      return `Task ${error.taskId} is leased to another runner: only the runner that claimed it may report on it.`;
    case 'host_not_served':
      return error.hosts.length
        ? `This runner's token does not serve ${error.hosts.join(', ')}; create one that does with switchboard token create --role runner --hosts.`
        : "This runner's token serves no hosts; create a new one with switchboard token create --role runner --hosts.";
    case 'lease_expired':
      return `The lease on task ${error.taskId} expired at ${error.expiredAt}.`;
    case 'workflow_closed':
      return `Workflow ${error.workflowId} is already closed${error.verdict ? ` (verdict: ${error.verdict})` : ''}; start a new one with init.`;
  }
}
