import type { Choice, DraftSoFar } from '../intent/parse-request.js';

/** A question the bot asked and is waiting for: the answer fills `field` of `draft`. */
export interface PendingQuestion {
  /** Changes with every question, so a button from an older one is recognised as stale. */
  readonly nonce: string;
  readonly field: string;
  readonly draft: DraftSoFar;
  readonly missing: readonly string[];
  readonly choices: readonly Choice[];
  readonly consensus: boolean;
  /** Who asked: only they may answer. */
  readonly askedBy: string;
  readonly askedAt: string;
}

export interface ChatState {
  readonly chatId: number;
  /** Where this chat last worked: a message that names no host or repo runs there. */
  readonly lastHost: string | null;
  readonly lastRepo: string | null;
  readonly pending: PendingQuestion | null;
  /** Receives breaker alerts and completions of tasks started elsewhere (set by /start). */
  readonly subscribed: boolean;
  readonly updatedAt: string;
}

/** progress: follows a task started here; approval: a card sent to an approver; view: /task;
 * continue: the "what next?" prompt whose reply continues the agent session; consent: an
 * OAuth connect card (its taskId is the grant's audit subject, `oauth:<grant id>`). */
// edit: "send the corrected request" after Edit on a guess; a reply to it rewords that task.
export const CHAT_MESSAGE_KINDS = [
  'progress',
  'approval',
  'view',
  'continue',
  'edit',
  'consent',
] as const;
export type ChatMessageKind = (typeof CHAT_MESSAGE_KINDS)[number];

/** A bot message that shows a task: edited as the task moves on. */
export interface ChatMessageLink {
  readonly chatId: number;
  readonly messageId: number;
  readonly taskId: string;
  readonly kind: ChatMessageKind;
  readonly createdAt: string;
}

export const emptyChat = (chatId: number, at: string): ChatState => ({
  chatId,
  lastHost: null,
  lastRepo: null,
  pending: null,
  subscribed: false,
  updatedAt: at,
});
