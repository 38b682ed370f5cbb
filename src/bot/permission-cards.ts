import type { Api } from 'grammy';
import type { DomainEvent } from '../core/events.js';
import type { Logger } from '../core/ports/logger.js';
import type { Member } from './context.js';
import { editRich, sendRich } from './send.js';
import { permissionCard } from './views/permission-card.js';

type PermissionEvent = Extract<
  DomainEvent,
  { type: 'permission.requested' | 'permission.decided' }
>;

/**
 * The chat side of agents' tool-use requests: a card to every approver, edited to the outcome
 * when someone decides or the request expires. Which messages show a request is kept in memory:
 * after a restart old cards keep their buttons, and a tap on them is refused by the database.
 */
export function createPermissionCards(
  api: Api,
  deps: { readonly log: Logger },
  options: { readonly members: readonly Member[] },
) {
  const approvers = options.members.filter((m) => m.role !== 'viewer');
  const sent = new Map<string, Promise<{ chatId: number; messageId: number }[]>>();

  async function send(event: Extract<PermissionEvent, { type: 'permission.requested' }>) {
    const card = permissionCard(event.request, event.task);
    const messages: { chatId: number; messageId: number }[] = [];
    for (const m of approvers) {
      try {
        const [last] = (
          await sendRich(api, m.telegramId, card.text, { keyboard: card.keyboard })
        ).slice(-1);
        if (last) messages.push({ chatId: m.telegramId, messageId: last.message_id });
      } catch (e) {
        deps.log.warn('telegram: could not send a permission card', {
          to: m.name,
          error: String(e),
        });
      }
    }
    return messages;
  }

  async function update(event: Extract<PermissionEvent, { type: 'permission.decided' }>) {
    const card = permissionCard(event.request, event.task);
    // A decision can come before every card went out: wait for the sending to finish.
    for (const m of (await sent.get(event.request.id)) ?? []) {
      await editRich(api, m.chatId, m.messageId, card.text, card.keyboard).catch((e: unknown) =>
        deps.log.warn('telegram: could not update a permission card', { error: String(e) }),
      );
    }
    sent.delete(event.request.id);
  }

  return {
    /** Starts the sending at once; the promise (never rejected) is for whoever waits for idle. */
    notify(event: PermissionEvent): Promise<void> {
      if (event.type === 'permission.requested') {
        const sending = send(event);
        sent.set(event.request.id, sending);
        return sending.then(
          () => undefined,
          () => undefined,
        );
      }
      return update(event).catch((e: unknown) =>
        deps.log.warn('telegram: permission card update failed', { error: String(e) }),
      );
    },
  };
}
