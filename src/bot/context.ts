import type { Context } from 'grammy';
import type { Actor } from '../core/actor.js';

/** A person from the config, as the bot knows them. */
export interface Member {
  readonly telegramId: number;
  readonly name: string;
  readonly role: 'owner' | 'approver' | 'viewer';
}

/** Set by the access middleware: every later handler acts for a known member. */
export interface MemberFlavor {
  member: Member;
  actor: Actor;
}

export type BotContext = Context & MemberFlavor;

export const actorOf = (m: Member): Actor => ({ id: m.name, role: m.role, channel: 'telegram' });
