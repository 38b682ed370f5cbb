import type { InlineKeyboardButton } from 'grammy/types';
import type { OAuthClient, OAuthGrant } from '../../core/ports/oauth-store.js';
import { consentCallback } from '../callback-data.js';
import { bold, code, join, lines, plain, type RichText } from './rich-text.js';

export interface ConsentCard {
  readonly text: RichText;
  readonly keyboard: InlineKeyboardButton[][];
}

const MAX_NAME_CHARS = 100;

/**
 * The owner's question when a program asks to connect over OAuth. The name is the client's
 * own claim, so the card shows where the code will go (the redirect host) and warns against
 * allowing a request the owner did not start.
 */
export function consentCard(client: OAuthClient, grant: OAuthGrant): ConsentCard {
  return {
    text: lines(
      bold(`🔑 Connect “${client.name.slice(0, MAX_NAME_CHARS)}”?`),
      'It asks to use Switchboard as you: start tasks, read results, approve as you may.',
      join(['Returns to: ', code(new URL(grant.redirectUri).host)]),
      'Only allow it if you just started connecting this app yourself. Expires in 10 min.',
    ),
    keyboard: [
      [
        { text: 'Allow', callback_data: consentCallback(true, grant.id) },
        { text: 'Deny', callback_data: consentCallback(false, grant.id) },
      ],
    ],
  };
}

export function consentDecided(clientName: string, allowed: boolean, by: string): RichText {
  return plain(
    `${allowed ? '✅ Allowed' : '⛔ Denied'}: “${clientName.slice(0, MAX_NAME_CHARS)}” (by ${by}).`,
  );
}

/** What a connect card becomes when nobody answered in time: no buttons, and why. */
export function consentExpired(clientName: string | null): RichText {
  const name = clientName ? `“${clientName.slice(0, MAX_NAME_CHARS)}”` : 'the app';
  return plain(
    `⌛ This request expired: nobody allowed ${name} in time. Start connecting again from the app.`,
  );
}
