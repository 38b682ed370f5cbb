/** An update as it arrived from a chat platform, before it is handled. */
export interface InboxUpdate {
  readonly updateId: number;
  /** Updates of one chat are handled in order; null for updates without a chat. */
  readonly chatId: number | null;
  readonly payload: unknown;
  readonly receivedAt: string;
}

/**
 * Telegram redelivers until it gets a 200, and its ids jump: an update is stored here before
 * it is acknowledged, and the store, not "id > last seen", decides whether it is new.
 */
export interface UpdateInbox {
  /** Stores the update unless its id is already there: true only for the first delivery. */
  accept(update: InboxUpdate): Promise<boolean>;
  /** Accepted but not yet handled (e.g. the process stopped), oldest id first. */
  pending(limit: number): Promise<readonly InboxUpdate[]>;
  markHandled(updateId: number, outcome: 'done' | 'failed', at: string): Promise<void>;
  /** Forgets handled updates received before `before`; returns how many went. */
  prune(before: string): Promise<number>;
}
