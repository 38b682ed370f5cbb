import { describe, expect, it } from 'vitest';
import { createHttpWorkSource } from '../../src/runner/http-work-source.js';

// The runner service's claim against a gateway that refuses it (its token does not serve the
// hosts in its config): it says why, then stops asking for a while instead of every second.
describe('http work source: a refused claim', () => {
  it('reports the refusal and does not ask again until its backoff has passed', async () => {
    const asked: string[] = [];
    const fetch = (async (url: string) => {
      asked.push(url);
      return new Response(
        JSON.stringify({ error: 'host_not_served', message: 'does not serve vm9' }),
        { status: 403, headers: { 'content-type': 'application/json' } },
      );
    }) as unknown as typeof globalThis.fetch;
    const work = createHttpWorkSource({
      gatewayUrl: 'http://gateway.test',
      token: 'sbr_x',
      hosts: ['vm9'],
      waitS: 0,
      fetch,
    });
    await expect(work.claim()).rejects.toThrow(/403: .*host_not_served/);
    expect(asked).toHaveLength(1);
    // The next claim waits out the backoff; stopping the runner ends the wait without a call.
    const stop = new AbortController();
    const next = work.claim(stop.signal);
    stop.abort();
    await expect(next).rejects.toThrow();
    expect(asked).toHaveLength(1);
  });
});
