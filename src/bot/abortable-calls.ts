import type { Api } from 'grammy';

/**
 * Makes every Bot API call, retries included, end when the returned function is called.
 * auto-retry retries network errors without end, so a call made just before shutdown would
 * otherwise keep a long-running process up once the Bot API is gone. Install it last: the
 * last transformer runs first, so the signal reaches the throttler and auto-retry below it.
 */
export function abortableCalls(api: Api): () => void {
  const shutdown = new AbortController();
  api.config.use((prev, method, payload, signal) => {
    // grammY types its signal with its own shim of AbortSignal; at run time both are Node's.
    const merged = signal
      ? AbortSignal.any([signal as unknown as AbortSignal, shutdown.signal])
      : shutdown.signal;
    return prev(method, payload, merged as unknown as typeof signal);
  });
  return () => shutdown.abort();
}
