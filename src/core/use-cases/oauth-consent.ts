import type { CoreDeps } from '../deps.js';
import type { OAuthClient, OAuthGrant, OAuthStore } from '../ports/oauth-store.js';
import { err, ok, type Result } from '../result.js';
import { SYSTEM_ACTOR } from '../actor.js';
import { auditEntry, notifySafely, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'clock' | 'ids' | 'audit' | 'notifier'> & {
  readonly oauth: OAuthStore;
};

export type ConsentError =
  | { readonly code: 'forbidden' }
  | { readonly code: 'not_found' }
  | {
      readonly code: 'already_decided';
      readonly status: Exclude<OAuthGrant['status'], 'pending' | 'expired'>;
    }
  | { readonly code: 'expired' };

export const oauthSubject = (grantId: string) => `oauth:${grantId}`;

/** A client asks to connect: the grant is stored and the owners are asked (Telegram card). */
export async function requestConsent({
  deps,
  input,
}: UseCaseArgs<Deps, { grant: OAuthGrant; client: OAuthClient }>): Promise<void> {
  await deps.oauth.createGrant(input.grant);
  await deps.notifier.notify({
    type: 'oauth.consent_requested',
    grant: input.grant,
    client: input.client,
  });
}

/**
 * Allow or Deny from an owner. Connecting a client hands it the owner's powers, so nobody
 * else may decide; a second tap, or one after the request lapsed, changes nothing.
 */
export async function decideConsent({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { grantId: string; allow: boolean }>): Promise<
  Result<{ grant: OAuthGrant; client: OAuthClient | null }, ConsentError>
> {
  const now = deps.clock.now().toISOString();
  if (actor.role !== 'owner') {
    // A refused tap is on the record too: who tried to let a program in, and from where.
    await deps.audit.append(
      auditEntry(deps, actor, now, 'access.denied', oauthSubject(input.grantId), {
        action: input.allow ? 'oauth.allow' : 'oauth.deny',
        role: actor.role,
        reason: 'only an owner may connect a program',
      }),
    );
    return err({ code: 'forbidden' });
  }
  const decided = await deps.oauth.decideGrant(
    input.grantId,
    input.allow ? 'allowed' : 'denied',
    actor.id,
    now,
  );
  if (!decided) {
    const grant = await deps.oauth.getGrant(input.grantId);
    if (!grant) return err({ code: 'not_found' });
    if (grant.status === 'pending' || grant.status === 'expired') return err({ code: 'expired' });
    return err({ code: 'already_decided', status: grant.status });
  }
  await deps.audit.append(
    auditEntry(
      deps,
      actor,
      now,
      input.allow ? 'oauth.allowed' : 'oauth.denied',
      oauthSubject(decided.id),
      { clientId: decided.clientId, redirectUri: decided.redirectUri },
    ),
  );
  return ok({ grant: decided, client: await deps.oauth.getClient(decided.clientId, now) });
}

/**
 * The periodic sweep: connect requests nobody decided in time become expired (audited), and
 * their cards are told, so an owner does not tap Allow on a request that can no longer work.
 */
export async function expireLapsedConsents({
  deps,
}: {
  readonly deps: Deps;
}): Promise<readonly string[]> {
  const now = deps.clock.now().toISOString();
  const expired = await deps.oauth.expireGrants(now);
  for (const grant of expired) {
    await deps.audit.append(
      auditEntry(deps, SYSTEM_ACTOR, now, 'oauth.expired', oauthSubject(grant.id), {
        clientId: grant.clientId,
      }),
    );
    const client = await deps.oauth.getClient(grant.clientId, now);
    await notifySafely(deps, {
      type: 'oauth.consent_expired',
      grant,
      clientName: client?.name ?? null,
    });
  }
  return expired.map((g) => g.id);
}
