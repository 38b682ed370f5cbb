import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { ChatMessageKind, ChatState, PendingQuestion } from '../../core/chat/chat-state.js';
import type { ChatStores } from '../../core/ports/chat-store.js';
import type { Database } from '../client.js';
import { chatMessages, chats, loginLinks } from '../schema.js';
import { createUpdateInbox } from './update-inbox.js';

// Written by this store only, but a question from an older version must not break a chat:
// anything unreadable reads as "no open question".
const pendingSchema = z.looseObject({
  nonce: z.string(),
  field: z.string(),
  draft: z.record(z.string(), z.unknown()),
  missing: z.array(z.string()),
  choices: z.array(z.object({ label: z.string(), value: z.string() })),
  consensus: z.boolean(),
  askedBy: z.string(),
  askedAt: z.string(),
});

const toChat = (row: typeof chats.$inferSelect): ChatState => {
  const pending = pendingSchema.safeParse(row.pending);
  return {
    chatId: row.chatId,
    lastHost: row.lastHost,
    lastRepo: row.lastRepo,
    pending: pending.success ? (pending.data as unknown as PendingQuestion) : null,
    subscribed: row.subscribed,
    updatedAt: row.updatedAt,
  };
};

const toLink = (row: typeof chatMessages.$inferSelect) => ({
  ...row,
  kind: row.kind as ChatMessageKind,
});

/** Chat state, message links, the Telegram update inbox and login links in one libSQL database. */
export function createLibsqlChatStores(db: Database): ChatStores {
  return {
    logins: {
      async create(link) {
        await db.insert(loginLinks).values(link);
      },
      async consume(tokenHash, at) {
        const [row] = await db
          .update(loginLinks)
          .set({ usedAt: at })
          .where(
            and(
              eq(loginLinks.tokenHash, tokenHash),
              isNull(loginLinks.usedAt),
              gt(loginLinks.expiresAt, at),
            ),
          )
          .returning({ userName: loginLinks.userName });
        return row?.userName ?? null;
      },
    },
    chats: {
      async getChat(chatId) {
        const [row] = await db.select().from(chats).where(eq(chats.chatId, chatId));
        return row ? toChat(row) : null;
      },
      async saveChat(state) {
        const { chatId: _c, ...rest } = state;
        await db
          .insert(chats)
          .values(state)
          .onConflictDoUpdate({ target: chats.chatId, set: rest });
      },
      async subscribedChats() {
        const rows = await db
          .select({ chatId: chats.chatId })
          .from(chats)
          .where(eq(chats.subscribed, true))
          .orderBy(asc(chats.updatedAt));
        return rows.map((r) => r.chatId);
      },
      async linkMessage(link) {
        const { chatId: _c, messageId: _m, ...rest } = link;
        await db
          .insert(chatMessages)
          .values(link)
          .onConflictDoUpdate({ target: [chatMessages.chatId, chatMessages.messageId], set: rest });
      },
      async messagesOf(taskId) {
        const rows = await db
          .select()
          .from(chatMessages)
          .where(eq(chatMessages.taskId, taskId))
          .orderBy(asc(chatMessages.createdAt), asc(chatMessages.messageId));
        return rows.map(toLink);
      },
      async messageAt(chatId, messageId) {
        const [row] = await db
          .select()
          .from(chatMessages)
          .where(and(eq(chatMessages.chatId, chatId), eq(chatMessages.messageId, messageId)));
        return row ? toLink(row) : null;
      },
    },
    inbox: createUpdateInbox(db),
  };
}
