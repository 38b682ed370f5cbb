import type { Channel, Gate } from './task.js';

export const APPROVAL_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'cancelled',
] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const APPROVAL_SCOPES = ['once', 'always_template'] as const;
export type ApprovalScope = (typeof APPROVAL_SCOPES)[number];

/** The phrase an approver must type for high-risk work (SPEC §3.1). */
export const PRODUCTION_PHRASE = 'DEPLOY TO PRODUCTION';

/** A gate record: at most one pending approval per task; expiry counts as a rejection. */
export interface Approval {
  readonly id: string;
  readonly taskId: string;
  readonly gate: Exclude<Gate, 'none'>;
  readonly requiredPhrase: string | null;
  readonly status: ApprovalStatus;
  readonly scope: ApprovalScope;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly decidedBy: string | null;
  readonly decidedChannel: Channel | null;
  readonly decidedAt: string | null;
  readonly reason: string | null;
}

export interface ApprovalDecision {
  readonly status: Exclude<ApprovalStatus, 'pending'>;
  readonly decidedBy: string;
  readonly decidedChannel: Channel;
  readonly decidedAt: string;
  readonly reason: string | null;
}
