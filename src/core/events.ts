import type { Approval } from './approval.js';
import type { Breaker } from './breaker.js';
import type { OAuthClient, OAuthGrant } from './ports/oauth-store.js';
import type { PermissionRequest } from './permission.js';
import type { Task, TaskStatus } from './task.js';

/** What the core tells the outside world after a state change (chat, PWA stream, MCP). */
export type DomainEvent =
  | { readonly type: 'task.changed'; readonly task: Task; readonly from: TaskStatus | null }
  | {
      readonly type: 'approval.requested';
      readonly task: Task;
      readonly approval: Approval;
      /** At a pipeline's gate: what ran, how it ended, what it cost, what comes next. */
      readonly handoff?: string | undefined;
    }
  /**
   * An escalating task ran out of ladder (SPEC §3.3's `human` rung): the operators get its
   * history (every rung tried, every rung skipped) and decide to re-run it or drop it.
   */
  | { readonly type: 'task.escalation_ended'; readonly task: Task }
  /** Live output of a running task (not stored: the stage and the spool file keep it). */
  | {
      readonly type: 'task.progress';
      readonly task: Task;
      readonly outputTail: string;
      readonly elapsedMs: number;
    }
  /** A spend breaker crossed a threshold (warn, open, flagged): pushed once per crossing. */
  | {
      readonly type: 'breaker.alert';
      readonly breaker: Breaker;
      /** The task whose spend crossed it, if one did. */
      readonly task: Task | null;
    }
  /** A program asks to connect over OAuth: the owners allow or deny it. */
  | {
      readonly type: 'oauth.consent_requested';
      readonly grant: OAuthGrant;
      readonly client: OAuthClient;
    }
  /** Nobody allowed or denied a connect request in time: its cards say it expired. */
  | {
      readonly type: 'oauth.consent_expired';
      readonly grant: OAuthGrant;
      /** The client's name for the card, if its registration still exists. */
      readonly clientName: string | null;
    }
  /** An agent asks to use a tool: approvers get a card with Approve once / Deny. */
  | {
      readonly type: 'permission.requested';
      readonly request: PermissionRequest;
      readonly task: Task;
    }
  /** Allowed, denied, or expired (nobody answered in time): the cards show the outcome. */
  | {
      readonly type: 'permission.decided';
      readonly request: PermissionRequest;
      readonly task: Task | null;
    };
