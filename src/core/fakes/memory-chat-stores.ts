import type { ChatMessageLink, ChatState } from '../chat/chat-state.js';
import type { ChatStores } from '../ports/chat-store.js';
import type { LoginLink } from '../ports/login-links.js';
import type { InboxUpdate } from '../ports/update-inbox.js';

/** In-memory chat state and update inbox, for unit tests; same contract as the libSQL ones. */
export function createMemoryChatStores(): ChatStores {
  const chats = new Map<number, ChatState>();
  const links: ChatMessageLink[] = [];
  const updates = new Map<number, InboxUpdate & { status: string }>();
  const logins = new Map<string, LoginLink & { usedAt: string | null }>();
  return {
    logins: {
      async create(link) {
        logins.set(link.tokenHash, { ...link, usedAt: null });
      },
      async consume(tokenHash, at) {
        const link = logins.get(tokenHash);
        if (!link || link.usedAt !== null || link.expiresAt <= at) return null;
        logins.set(tokenHash, { ...link, usedAt: at });
        return link.userName;
      },
    },
    chats: {
      async getChat(chatId) {
        return chats.get(chatId) ?? null;
      },
      async saveChat(state) {
        chats.set(state.chatId, state);
      },
      async subscribedChats() {
        return [...chats.values()].filter((c) => c.subscribed).map((c) => c.chatId);
      },
      async linkMessage(link) {
        const i = links.findIndex(
          (l) => l.chatId === link.chatId && l.messageId === link.messageId,
        );
        if (i >= 0) links[i] = link;
        else links.push(link);
      },
      async messagesOf(taskId) {
        return links.filter((l) => l.taskId === taskId);
      },
      async messageAt(chatId, messageId) {
        return links.find((l) => l.chatId === chatId && l.messageId === messageId) ?? null;
      },
    },
    inbox: {
      async accept(update) {
        if (updates.has(update.updateId)) return false;
        updates.set(update.updateId, { ...update, status: 'pending' });
        return true;
      },
      async pending(limit) {
        return [...updates.values()]
          .filter((u) => u.status === 'pending')
          .sort((a, b) => a.updateId - b.updateId)
          .slice(0, limit)
          .map(({ status: _s, ...u }) => u);
      },
      async markHandled(updateId, outcome) {
        const u = updates.get(updateId);
        if (u) updates.set(updateId, { ...u, status: outcome });
      },
      async prune(before) {
        let n = 0;
        for (const [id, u] of updates) {
          if (u.status !== 'pending' && u.receivedAt < before) {
            updates.delete(id);
            n++;
          }
        }
        return n;
      },
    },
  };
}
