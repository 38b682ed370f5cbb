import { isAllowed, type Action, type Role } from '../actor.js';
import type { Breaker } from '../breaker.js';
import type { DomainEvent } from '../events.js';
import type { PushSubscriptionRecord } from '../ports/push-subscriptions.js';
import type { Task } from '../task.js';
import { shortRef } from '../use-cases/find-task.js';
import { ADMIN_USER } from '../web/session.js';

/**
 * What a notification shows. Push services cap payloads near 4 KB and the text sits on a lock
 * screen, so it is short and carries no secrets: a prompt appears only as a brief excerpt.
 */
export interface PushMessage {
  readonly title: string;
  readonly body: string;
  /** Where a tap opens the app (a path and hash on our origin). */
  readonly url: string;
  /** A newer notification with the same tag replaces the older one. */
  readonly tag: string;
}

/** Who may receive a notice: people allowed the action it asks for, or owners alone. */
export type PushAudience = Action | 'owner';

export interface PushNotice {
  readonly message: PushMessage;
  readonly audience: PushAudience;
}

export const EXCERPT_CHARS = 100;

export const excerpt = (text: string, max = EXCERPT_CHARS): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
};

function whatItDoes(task: Task): string {
  const where = [task.host, task.repo, task.environment].filter(Boolean).join(' · ');
  const what =
    task.kind === 'shell'
      ? (task.argv ?? []).join(' ')
      : task.kind === 'agent'
        ? (task.prompt ?? '')
        : (task.template ?? task.kind);
  return excerpt([where, what].filter(Boolean).join(' — '));
}

const SCOPE_WORD: Readonly<Record<Breaker['scope'], string>> = {
  task: 'Task',
  day: 'Daily',
  month: 'Monthly',
};

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The push for an event, or null for events nobody is woken up for. */
export function pushNoticeFor(event: DomainEvent): PushNotice | null {
  switch (event.type) {
    case 'approval.requested': {
      const { task, approval } = event;
      const typed = approval.gate === 'typed_phrase' ? ' (typed phrase)' : '';
      return {
        audience: 'task.approve',
        message: {
          title:
            approval.gate === 'confirm'
              ? 'Run? A guess at what was asked'
              : `Approval needed: ${task.risk} risk${typed}`,
          body: `#${shortRef(task.id)} ${whatItDoes(task)}`,
          url: `/#/approvals`,
          tag: `approval-${task.id}`,
        },
      };
    }
    case 'breaker.alert': {
      const b = event.breaker;
      return {
        audience: 'task.approve',
        message: {
          title: `${SCOPE_WORD[b.scope]} spend breaker ${b.state}`,
          body: `${usd(b.spentUsd)} of ${usd(b.thresholdUsd)}${b.scope === 'task' ? '' : ` (${b.period})`}`,
          url: '/#/spend',
          tag: `breaker-${b.key}`,
        },
      };
    }
    case 'oauth.consent_requested':
      // Only an owner may connect a program (oauth-consent.ts).
      return {
        audience: 'owner',
        message: {
          title: 'A program asks to connect',
          body: `${excerpt(event.client.name, 60)} wants access to Switchboard.`,
          url: '/#/approvals',
          tag: `consent-${event.grant.id}`,
        },
      };
    case 'oauth.consent_expired':
      // Nothing to act on any more; the waiting card says so.
      return null;
    case 'permission.requested':
      return {
        audience: 'permission.decide',
        message: {
          title: `Tool use: ${excerpt(event.request.toolName, 40)}`,
          body: `#${shortRef(event.task.id)} asks to use a tool.`,
          url: '/#/approvals',
          tag: `permission-${event.request.id}`,
        },
      };
    // The operators decide whether to re-run it (rerun needs the same roles as approving).
    case 'task.escalation_ended':
      return {
        audience: 'task.approve',
        message: {
          title: 'Escalation ended: your decision',
          body: `#${shortRef(event.task.id)} ${whatItDoes(event.task)}`,
          url: `/#/task/${event.task.id}`,
          tag: `escalation-${event.task.id}`,
        },
      };
    case 'task.changed':
    case 'task.progress':
    case 'permission.decided':
      return null;
  }
}

/**
 * The subscriptions whose person may act on a notice now. The role is the current one from the
 * config (someone removed from it gets nothing); the admin token's session is the owner.
 */
export function recipientsOf(
  subs: readonly PushSubscriptionRecord[],
  audience: PushAudience,
  roleOf: (name: string) => Role | null,
): PushSubscriptionRecord[] {
  return subs.filter((s) => {
    const role = s.userName === ADMIN_USER && s.role === 'owner' ? 'owner' : roleOf(s.userName);
    if (role === null) return false;
    return audience === 'owner'
      ? role === 'owner'
      : isAllowed({ id: s.userName, role, channel: 'pwa' }, audience);
  });
}
