import { describe, expect, it } from 'vitest';
import { matchRedirectUri, redirectUriProblem } from '../../src/core/oauth/redirect-uri.js';
import { pkceMatches } from '../../src/gateway/oauth/oauth-secrets.js';

describe('PKCE S256', () => {
  // RFC 7636 Appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  it('matches the RFC example and nothing near it', async () => {
    expect(await pkceMatches(verifier, challenge)).toBe(true);
    expect(await pkceMatches(`${verifier}A`, challenge)).toBe(false);
    expect(await pkceMatches(verifier, challenge.replace('E9', 'E8'))).toBe(false);
    // The verifier itself as the "challenge" (what method=plain would send) never matches.
    expect(await pkceMatches(verifier, verifier)).toBe(false);
    expect(await pkceMatches('short', challenge)).toBe(false);
  });
});

describe('redirect URIs', () => {
  it('accepts https anywhere and http on loopback only', () => {
    expect(redirectUriProblem('https://claude.ai/api/mcp/auth_callback')).toBeNull();
    expect(redirectUriProblem('https://a.example')).toBeNull();
    expect(redirectUriProblem('http://localhost:8080/cb')).toBeNull();
    expect(redirectUriProblem('http://[::1]:8080/cb')).toBeNull();
    expect(redirectUriProblem('http://10.0.0.1/cb')).toMatch(/https/);
    expect(redirectUriProblem('http://localhost.evil.example/cb')).toMatch(/https/);
  });
  it('refuses what a parser could read two ways', () => {
    expect(redirectUriProblem('https://a.example/x@y')).toMatch(/userinfo/);
    expect(redirectUriProblem('https://u:p@a.example/')).toMatch(/userinfo/);
    expect(redirectUriProblem('https://a.example/#f')).toMatch(/fragment/);
    expect(redirectUriProblem('https://a.example/\u0007')).toMatch(/control/);
    expect(redirectUriProblem('https://A.example/')).toMatch(/canonical/);
    expect(redirectUriProblem('https://a.example/./x')).toMatch(/canonical/);
    expect(redirectUriProblem('https://a.example:443/')).toMatch(/canonical/);
  });
  it('matches character for character', () => {
    const registered = ['https://claude.ai/cb', 'https://claude.com/cb'];
    expect(matchRedirectUri('https://claude.com/cb', registered)).toBe('https://claude.com/cb');
    expect(matchRedirectUri('https://claude.com/cb/', registered)).toBeNull();
    expect(matchRedirectUri('https://claude.com/CB', registered)).toBeNull();
  });
});
