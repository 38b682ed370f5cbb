import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/gateway/constant-time.js';

describe('constantTimeEqual', () => {
  const secret = 'admin-token-0123456789abcdef';

  it('accepts exactly the expected secret', () => {
    expect(constantTimeEqual(secret, secret)).toBe(true);
    expect(constantTimeEqual(`${secret}`.slice(0), secret)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['a prefix', secret.slice(0, -1)],
    ['the secret and more', `${secret}x`],
    ['the secret repeated', secret + secret],
    ['one character changed', `${secret.slice(0, -1)}g`],
    ['the first character changed', `b${secret.slice(1)}`],
    ['different case', secret.toUpperCase()],
    ['a guess whose length divides the secret', secret.slice(0, 14)],
  ])('refuses %s', (_name, guess) => {
    expect(constantTimeEqual(guess, secret)).toBe(false);
  });

  it('compares characters beyond Latin-1 too', () => {
    expect(constantTimeEqual('tøkén-✓', 'tøkén-✓')).toBe(true);
    expect(constantTimeEqual('tøkén-✓', 'tøkén-✗')).toBe(false);
  });
});
