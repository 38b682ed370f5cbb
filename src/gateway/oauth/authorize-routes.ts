import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { matchRedirectUri } from '../../core/oauth/redirect-uri.js';
import type { OAuthClient, OAuthGrant } from '../../core/ports/oauth-store.js';
import { addSeconds } from '../../core/use-cases/support.js';
import { requestConsent } from '../../core/use-cases/oauth-consent.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { constantTimeEqual } from '../constant-time.js';
import { errorPage, waitingPage } from './consent-page.js';
import type { OAuthDeps } from './oauth-deps.js';
import { CHALLENGE, hashSecret, newSecret } from './oauth-secrets.js';
import { OAUTH } from './oauth-settings.js';
import { oauthUrls } from './oauth-urls.js';

const COOKIE = 'sb_oauth';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_STATE_CHARS = 1_000;

/** A redirect to the client carrying an error (RFC 6749 §4.1.2.1), once its URI is trusted. */
function errorRedirect(
  c: Context,
  redirectUri: string,
  error: string,
  description: string,
  state: string | null,
  issuer: string,
) {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== null) url.searchParams.set('state', state);
  url.searchParams.set('iss', issuer);
  return c.redirect(url.href, 302);
}

/**
 * /authorize: checks the client and its exact redirect URI first (failures there are pages,
 * never redirects: the URI is not trusted yet), then the rest of the request (failures go
 * back to the client). A valid request asks the owner in Telegram and the browser waits on
 * a page bound to it by a cookie; once allowed, `continue` issues the code.
 */
export function createAuthorizeRoutes(deps: OAuthDeps, publicUrl: string | null) {
  const app = new Hono();
  app.use('*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    // The consent page must not be framed (clickjacking) nor leak the query onward.
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    await next();
  });

  app.get('/', async (c) => {
    const q = (name: string) => {
      const all = c.req.queries(name);
      // A parameter given twice is ambiguous (RFC 6749 §3.1): treat it as invalid.
      return all && all.length === 1 ? all[0] : all && all.length > 1 ? null : undefined;
    };
    const now = deps.core.clock.now();
    const clientId = q('client_id');
    const client =
      typeof clientId === 'string' && clientId.length <= 100
        ? await deps.oauth.getClient(clientId, now.toISOString())
        : null;
    if (!client) {
      return c.html(
        errorPage(
          'Unknown client',
          'This app is not registered here, or its registration expired.',
        ),
        400,
      );
    }
    const presented = q('redirect_uri');
    const redirectUri =
      presented === undefined
        ? client.redirectUris.length === 1
          ? (client.redirectUris[0] ?? null)
          : null
        : presented === null
          ? null
          : matchRedirectUri(presented, client.redirectUris);
    if (!redirectUri) {
      return c.html(
        errorPage(
          'Wrong redirect address',
          'The address this app asked to return to is not the one it registered.',
        ),
        400,
      );
    }
    const urls = oauthUrls(c, publicUrl);
    const rawState = q('state');
    const state = typeof rawState === 'string' ? rawState : null;
    const fail = (error: string, description: string) =>
      errorRedirect(
        c,
        redirectUri,
        error,
        description,
        state !== null && state.length <= MAX_STATE_CHARS ? state : null,
        urls.issuer,
      );

    if (rawState === null) return fail('invalid_request', 'state is given more than once.');
    if (state !== null && state.length > MAX_STATE_CHARS) {
      return fail('invalid_request', `state is longer than ${MAX_STATE_CHARS} characters.`);
    }
    if (q('response_type') !== 'code') {
      return fail('unsupported_response_type', 'Only response_type=code is supported.');
    }
    const challenge = q('code_challenge');
    if (q('code_challenge_method') !== 'S256' || typeof challenge !== 'string') {
      return fail('invalid_request', 'PKCE is required: code_challenge with method S256.');
    }
    if (!CHALLENGE.test(challenge)) {
      return fail('invalid_request', 'code_challenge must be 43 base64url characters.');
    }
    const scope = q('scope');
    if (
      scope === null ||
      (scope !== undefined && scope.split(' ').some((s) => s !== OAUTH.scope))
    ) {
      return fail('invalid_scope', `The only scope is "${OAUTH.scope}".`);
    }
    const resource = q('resource');
    if (resource === null || (resource !== undefined && resource !== urls.resource)) {
      return fail('invalid_target', `Tokens here are only for ${urls.resource}.`);
    }
    if (!deps.consentAvailable) {
      return c.html(
        errorPage(
          'Nobody to ask',
          'Connecting an app needs an owner to allow it in Telegram, and this Switchboard has no ' +
            'Telegram bot (TELEGRAM_BOT_TOKEN) or no owner in its config.',
        ),
        503,
      );
    }
    const source = deps.sourceOf(c);
    const pending = await deps.oauth.countPendingGrants(now.toISOString(), {
      clientId: client.clientId,
      source,
    });
    if (
      pending.client >= OAUTH.maxPendingPerClient ||
      pending.source >= OAUTH.maxPendingPerSource
    ) {
      return fail('temporarily_unavailable', 'Too many connect requests are waiting; try later.');
    }

    const browserSecret = newSecret('sbbr');
    const grant: OAuthGrant = {
      id: deps.core.ids.next(),
      clientId: client.clientId,
      redirectUri,
      codeChallenge: challenge,
      state,
      scope: OAUTH.scope,
      resource: urls.resource,
      browserHash: await hashSecret(browserSecret),
      status: 'pending',
      subject: null,
      codeHash: null,
      createdAt: now.toISOString(),
      expiresAt: addSeconds(now, OAUTH.consentTtlS),
      decidedAt: null,
      source,
    };
    await requestConsent({
      deps: { ...deps.core, oauth: deps.oauth },
      actor: SYSTEM_ACTOR,
      input: { grant, client },
    });
    setCookie(c, COOKIE, `${grant.id}.${browserSecret}`, {
      path: '/authorize',
      httpOnly: true,
      secure: urls.issuer.startsWith('https:'),
      sameSite: 'Lax',
      maxAge: OAUTH.consentTtlS,
    });
    return c.html(waitingPage(pageFor(client, grant)));
  });

  /** The grant this browser started, or null: the cookie proves it is the same browser. */
  async function ownGrant(c: Context): Promise<OAuthGrant | null> {
    const id = c.req.query('grant') ?? '';
    const [cookieId, secret] = (getCookie(c, COOKIE) ?? '').split('.', 2);
    if (!UUID.test(id) || cookieId !== id || !secret) return null;
    const grant = await deps.oauth.getGrant(id);
    if (!grant) return null;
    return constantTimeEqual(await hashSecret(secret), grant.browserHash) ? grant : null;
  }

  const lapsed = (grant: OAuthGrant) => grant.expiresAt <= deps.core.clock.now().toISOString();

  app.get('/status', async (c) => {
    const grant = await ownGrant(c);
    if (!grant) return c.json({ status: 'unknown' }, 404);
    const status = grant.status === 'pending' && lapsed(grant) ? 'expired' : grant.status;
    return c.json({ status });
  });

  app.get('/continue', async (c) => {
    const grant = await ownGrant(c);
    if (!grant) {
      return c.html(errorPage('Not this browser', 'Start connecting again from the app.'), 403);
    }
    const urls = oauthUrls(c, publicUrl);
    const back = (error: string, description: string) =>
      errorRedirect(c, grant.redirectUri, error, description, grant.state, urls.issuer);
    if (grant.status === 'denied') return back('access_denied', 'The owner denied the request.');
    if (grant.status === 'expired') {
      return back('access_denied', 'Nobody allowed the request in time.');
    }
    if (grant.status === 'pending') {
      if (lapsed(grant)) return back('access_denied', 'Nobody allowed the request in time.');
      const client = await deps.oauth.getClient(
        grant.clientId,
        deps.core.clock.now().toISOString(),
      );
      if (!client) return back('access_denied', 'The registration expired.');
      return c.html(waitingPage(pageFor(client, grant)));
    }
    if (grant.status !== 'allowed' || grant.codeHash !== null) {
      return c.html(errorPage('Already used', 'This request has been completed already.'), 400);
    }
    const now = deps.core.clock.now();
    const code = newSecret('sbac');
    const issued = await deps.oauth.issueCode(
      grant.id,
      await hashSecret(code),
      addSeconds(now, OAUTH.codeTtlS),
      now.toISOString(),
    );
    if (!issued) return back('access_denied', 'The allowed request lapsed before it was used.');
    const url = new URL(grant.redirectUri);
    url.searchParams.set('code', code);
    if (grant.state !== null) url.searchParams.set('state', grant.state);
    url.searchParams.set('iss', urls.issuer);
    return c.redirect(url.href, 302);
  });

  return app;
}

function pageFor(client: OAuthClient, grant: OAuthGrant) {
  return {
    clientName: client.name,
    redirectHost: new URL(grant.redirectUri).host,
    statusUrl: `/authorize/status?grant=${grant.id}`,
    continueUrl: `/authorize/continue?grant=${grant.id}`,
  };
}
