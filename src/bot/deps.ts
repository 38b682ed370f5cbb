import type { UserFromGetMe } from 'grammy/types';
import type { CoreDeps } from '../core/deps.js';
import type { ChatStore } from '../core/ports/chat-store.js';
import type { LoginLinks } from '../core/ports/login-links.js';
import type { Logger } from '../core/ports/logger.js';
import type { OAuthStore } from '../core/ports/oauth-store.js';
import type { Member } from './context.js';
import type { TaskBoard } from './task-board.js';

export interface BotConfig {
  readonly token: string;
  /** Bot API server (an emulator, a local Bot API server); Telegram's when null. */
  readonly apiRoot: string | null;
  /** Preset on serverless and in tests, so no getMe is needed before the first update. */
  readonly botInfo?: UserFromGetMe | undefined;
  readonly members: readonly Member[];
  readonly hosts: readonly { readonly name: string; readonly address: string }[];
  /** Where the PWA lives, for /login links; null when there is no public URL. */
  readonly publicUrl: string | null;
  readonly taskHaltUsd: number;
}

export interface BotDeps {
  readonly core: CoreDeps;
  readonly chats: ChatStore;
  readonly logins: LoginLinks;
  readonly log: Logger;
  /** OAuth connect requests the owners allow or deny from a card. */
  readonly oauth: OAuthStore;
  /** Keeps each task's chat messages up to date (see task-board.ts). */
  readonly board: TaskBoard;
}
