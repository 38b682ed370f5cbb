import { createServer, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSshTransport, type SshHost } from '../../src/runner/ssh/ssh-transport.js';

/** A TCP server on loopback that accepts and then does what `behave` says (often: nothing). */
async function listen(behave: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  const closed: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => closed.push(socket));
    socket.resume(); // read (and drop) what the client sends, so its hang-up is seen
    behave(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    accepted: () => sockets.size,
    /** Connections the client hung up (a timed-out handshake must not leave one open). */
    closed: () => closed.length,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const { private: clientKey } = ssh2.utils.generateKeyPairSync('ed25519');
const hostAt = (port: number): SshHost => ({
  name: 'silent',
  address: '127.0.0.1',
  port,
  user: 'nobody',
  privateKey: clientKey,
  hostKey: { kind: 'pinned', fingerprint: 'SHA256:never-checked' },
  maxSessions: 4,
});

describe('ssh handshake that never completes', () => {
  // Anything ssh2 emits without a listener would reach here instead of failing quietly.
  const stray: unknown[] = [];
  const onStray = (e: unknown) => stray.push(e);
  beforeEach(() => {
    stray.length = 0;
    process.on('uncaughtException', onStray);
    process.on('unhandledRejection', onStray);
  });
  afterEach(() => {
    process.off('uncaughtException', onStray);
    process.off('unhandledRejection', onStray);
  });

  it.each([
    ['accepts and never says a word', () => {}],
    ['sends its banner, then stalls', (s: Socket) => s.write('SSH-2.0-OpenSSH_9.6\r\n')],
  ] as const)(
    'a server that %s: classified as host_unreachable within the timeout, no crash, no open socket',
    async (_, behave) => {
      const server = await listen(behave);
      const t = createSshTransport(hostAt(server.port), { readyTimeoutMs: 400 });
      try {
        const started = Date.now();
        const r = await t.exec({ argv: ['true'], timeoutMs: 30_000 });
        expect(r).toMatchObject({ failure: 'host_unreachable', exit: { kind: 'missing' } });
        expect(r.pgid).toBeNull();
        // The handshake timeout bounds it, not the command's 30 s.
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(server.accepted()).toBe(1);
        // The next command tries again (after a backoff) and is classified the same way.
        const again = await t.exec({ argv: ['true'], timeoutMs: 30_000 });
        expect(again.failure).toBe('host_unreachable');
        expect(server.accepted()).toBe(2);
        await new Promise((r) => setTimeout(r, 50));
        expect(server.closed()).toBe(2);
        expect(stray).toEqual([]);
      } finally {
        await t.close();
        await server.stop();
      }
    },
    10_000,
  );

  it('a server that answers with garbage instead of SSH: a classified failure, no crash', async () => {
    const server = await listen((s) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'.repeat(50)));
    const t = createSshTransport(hostAt(server.port), { readyTimeoutMs: 400 });
    try {
      const r = await t.exec({ argv: ['true'], timeoutMs: 30_000 });
      expect(['host_unreachable', 'connection_lost']).toContain(r.failure);
      expect(r.exit).toEqual({ kind: 'missing' });
      await new Promise((r) => setTimeout(r, 50));
      expect(stray).toEqual([]);
    } finally {
      await t.close();
      await server.stop();
    }
  }, 10_000);
});
