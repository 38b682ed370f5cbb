import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { Client } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../src/runner/ssh/coalesce-writes.js';

describe('coalesceWrites', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  /** A loopback server that records what arrives, chunk by chunk. */
  async function listen() {
    const chunks: string[] = [];
    let arrived: () => void = () => {};
    server = createServer((s) =>
      s.on('data', (d) => {
        chunks.push(d.toString());
        arrived();
      }),
    );
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const socket = new Socket();
    await new Promise<void>((r) =>
      socket.connect((server!.address() as AddressInfo).port, '127.0.0.1', r),
    );
    const received = (bytes: number) =>
      new Promise<void>((resolve) => {
        arrived = () => chunks.join('').length >= bytes && resolve();
        arrived();
      });
    return { socket, chunks, received };
  }

  it('holds the writes of one turn and sends them together, in order, before the next turn', async () => {
    const { socket, chunks, received } = await listen();
    coalesceWrites(socket);
    socket.write('a');
    socket.write('bb');
    socket.write('ccc');
    // Still corked within this turn: nothing has left yet.
    expect(socket.writableCorked).toBe(1);
    expect(socket.writableLength).toBe(6);
    await new Promise((r) => setImmediate(r));
    expect(socket.writableCorked).toBe(0);
    await received(6);
    expect(chunks.join('')).toBe('abbccc');
    // Later turns cork again: writes keep flowing.
    socket.write('dd');
    expect(socket.writableCorked).toBe(1);
    await received(8);
    expect(chunks.join('')).toBe('abbcccdd');
    socket.destroy();
  });

  it('finds the socket where the SSH transport looks for it (ssh2 keeps it as _sock)', async () => {
    const { socket } = await listen();
    socket.destroy();
    const client = new Client();
    client.on('error', () => {});
    client.connect({
      host: '127.0.0.1',
      port: (server!.address() as AddressInfo).port,
      username: 'x',
    });
    // If ssh2 stops keeping it there, the transport still works, but every packet is a syscall.
    expect((client as unknown as { _sock?: unknown })._sock).toBeInstanceOf(Socket);
    client.end();
  });
});
