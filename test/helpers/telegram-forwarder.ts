// Webhook mode in tests: the app listens on port 0, so its public_url cannot name it before it
// starts. A forwarder listens first, is given as public_url, and passes each request on.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Forwarder {
  /** Where Telegram (the emulator) should POST: give it as public_url. */
  readonly url: string;
  /** Every body POSTed through, parsed (the raw text when not JSON), in order. */
  readonly bodies: unknown[];
  /** Where to forward to (the app's URL, known only once it listens). */
  target(url: string): void;
  close(): Promise<void>;
}

/**
 * A fixed address in front of the app, for webhook mode: the app listens on port 0, so its
 * public_url points here and this forwards each request (headers and body) to the app.
 */
export async function startForwarder(): Promise<Forwarder> {
  let to = '';
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        bodies.push(JSON.parse(body.toString()));
      } catch {
        bodies.push(body.toString());
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length'].includes(k)),
      ) as Record<string, string>;
      fetch(`${to}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body })
        .then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())))
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    target: (url) => void (to = url),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
