import type { Socket } from 'node:net';

/**
 * Makes the writes made to `socket` during one turn of the event loop leave in one writev(2).
 *
 * Why: ssh2 writes every SSH packet to the socket as soon as it is made, one syscall each, and
 * an exec is about four packets (open, exec request, EOF, close) that mostly come in bursts: a
 * read that carries several channels' replies answers all of them in one turn. On loopback a
 * write also runs the receiving side's TCP work, so the syscalls were a tenth of the runner's
 * CPU under load; corked for the rest of the turn, ~4 writes per exec become ~1.3
 * (BENCHMARKS.md, throughput). Nothing waits longer: the cork comes off before the loop
 * polls again (process.nextTick runs after the current callback and its promise jobs).
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
}
