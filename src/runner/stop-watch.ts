import type { ExecRequest, TransportFailure } from './transport.js';

/**
 * Calls `stop('timeout')` when the request's time is up and `stop('cancelled')` when its
 * signal aborts (also if it already has). Returns the function that disarms both.
 */
export function watchForStop(req: ExecRequest, stop: (why: TransportFailure) => void): () => void {
  const timer = setTimeout(() => stop('timeout'), req.timeoutMs);
  const onAbort = () => stop('cancelled');
  if (req.signal?.aborted) onAbort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  };
}
