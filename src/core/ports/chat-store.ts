import type { ChatMessageLink, ChatState } from '../chat/chat-state.js';
import type { LoginLinks } from './login-links.js';
import type { UpdateInbox } from './update-inbox.js';

/** Where each chat is (last host and repo, an open question) and which messages show which task. */
export interface ChatStore {
  getChat(chatId: number): Promise<ChatState | null>;
  saveChat(state: ChatState): Promise<void>;
  /** Chats that asked for alerts and completions (/start), oldest first. */
  subscribedChats(): Promise<readonly number[]>;
  linkMessage(link: ChatMessageLink): Promise<void>;
  /** Every message that shows this task (its progress message, approval cards), oldest first. */
  messagesOf(taskId: string): Promise<readonly ChatMessageLink[]>;
  /** The task a message shows, for replies to it. */
  messageAt(chatId: number, messageId: number): Promise<ChatMessageLink | null>;
}

/** What a chat adapter stores besides the tasks themselves. */
export interface ChatStores {
  readonly chats: ChatStore;
  readonly inbox: UpdateInbox;
  readonly logins: LoginLinks;
}
