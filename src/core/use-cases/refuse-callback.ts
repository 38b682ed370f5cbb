import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { auditEntry, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'audit' | 'clock' | 'ids'>;

/** Why a member's tap on a button changed nothing. */
export const CALLBACK_REFUSALS = [
  /** Data no button of ours carries (forged, or from an older version). */
  'malformed',
  /** Well-formed, but names a task or request that does not exist. */
  'unknown_id',
  /** The thing it names was already decided, expired, or moved on. */
  'stale',
  /** The member's role may not do it. */
  'forbidden',
  /** A high-risk approval needs the typed phrase, not a tap. */
  'phrase_required',
] as const;
export type CallbackRefusal = (typeof CALLBACK_REFUSALS)[number];

/** Callback data is at most 64 bytes from Telegram; anything longer is cut, never stored whole. */
const MAX_DATA_CHARS = 64;

/** The refusal a use case's error means for a tap, or null when nothing was refused. */
export function refusalOf(error: DomainError): CallbackRefusal | null {
  switch (error.code) {
    case 'not_found':
      // "No stored output" answers a read: the tap was fine, there is just nothing to show.
      return error.entity === 'output' ? null : 'unknown_id';
    case 'forbidden':
    case 'self_approval':
      return 'forbidden';
    case 'invalid_input':
      return 'malformed';
    case 'phrase_required':
      return 'phrase_required';
    // A button never carries typed text; a tap that got this was forged.
    case 'tap_required':
      return 'forbidden';
    case 'invalid_transition':
    case 'already_decided':
    case 'approval_expired':
    case 'permission_decided':
    case 'escalation_decided':
    case 'lease_lost':
    case 'lease_expired':
    case 'workflow_closed':
      return 'stale';
    // Runner-protocol refusals: no button leads to them, so a tap that got one was forged.
    case 'not_lease_holder':
    case 'host_not_served':
      return 'forbidden';
  }
}

export interface RefuseCallbackInput {
  readonly reason: CallbackRefusal;
  /** What the button names (task:…, permission:…), or `callback` when nothing parsed. */
  readonly subject: string;
  readonly data: string;
  readonly error?: DomainError['code'] | undefined;
}

/**
 * A member's tap that changed nothing is on the record with why. Strangers never get here
 * (access control refuses them first, one entry per update), so this cannot amplify their writes.
 */
export async function refuseCallback({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, RefuseCallbackInput>): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.audit.append(
    auditEntry(deps, actor, at, 'callback.refused', input.subject, {
      reason: input.reason,
      data: input.data.slice(0, MAX_DATA_CHARS),
      error: input.error ?? null,
      role: actor.role,
    }),
  );
}
