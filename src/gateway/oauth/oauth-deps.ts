import type { Context } from 'hono';
import type { Role } from '../../core/actor.js';
import type { CoreDeps } from '../../core/deps.js';
import type { OAuthStore } from '../../core/ports/oauth-store.js';

/** What the OAuth server needs: its store, the core's clock, ids, audit and notifier. */
export interface OAuthDeps {
  readonly core: Pick<CoreDeps, 'clock' | 'ids' | 'audit' | 'notifier'>;
  readonly oauth: OAuthStore;
  /** The current role of the person who allowed a client: tokens act with it, or not at all. */
  roleOf(subject: string): Role | null;
  /** Whether anyone can be asked (a bot and at least one owner); if not, /authorize says so. */
  readonly consentAvailable: boolean;
  /** The request's address bucket (addressBucket), null when the runtime cannot tell. */
  sourceOf(c: Context): string | null;
}

/** An OAuth error body (RFC 6749 §5.2). */
export const oauthError = (error: string, description: string) => ({
  error,
  error_description: description,
});
