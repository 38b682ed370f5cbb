import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A task that prints without end must not fill the disk: the spool stops here. */
export const DEFAULT_SPOOL_BYTES = 1024 ** 3;

const NEWLINE = 0x0a;
const STDERR_MARK = Buffer.from('! ');

/**
 * The full output of one attempt, written to a file as it arrives (the database keeps only a
 * capped copy). The bytes are kept as the command printed them, valid UTF-8 or not; stderr
 * lines are marked with `! `. Synchronous writes keep memory flat however fast a command
 * prints. The file is created with the first output: a command that prints nothing leaves no
 * file behind.
 */
export function createOutputSpool(
  dir: string,
  taskId: string,
  attempt: number,
  maxBytes = DEFAULT_SPOOL_BYTES,
) {
  const path = join(dir, `${taskId}.${attempt}.log`);
  let fd: number | null = null;
  let written = 0;
  let stopped = false;
  // A stderr line can arrive in pieces (a packet boundary, a program writing it in parts):
  // only a piece that starts a line gets the mark, and an empty line gets none.
  let stderrAtLineStart = true;
  const markStderr = (chunk: Uint8Array): Uint8Array => {
    const pieces: Uint8Array[] = [];
    let from = 0;
    if (stderrAtLineStart && chunk[0] !== NEWLINE) pieces.push(STDERR_MARK);
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, nl + 1)) {
      if (nl + 1 < chunk.length && chunk[nl + 1] !== NEWLINE) {
        pieces.push(chunk.subarray(from, nl + 1), STDERR_MARK);
        from = nl + 1;
      }
    }
    stderrAtLineStart = chunk[chunk.length - 1] === NEWLINE;
    if (pieces.length === 0) return chunk;
    pieces.push(chunk.subarray(from));
    return Buffer.concat(pieces);
  };
  const append = (bytes: Uint8Array) => {
    try {
      if (fd === null) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        fd = openSync(path, 'a', 0o600);
      }
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
    } catch {
      // A full disk must not fail the task: the capped copy in the database still exists.
      stopped = true;
    }
  };
  return {
    /** Where the output is, or null when the command printed nothing. */
    get path(): string | null {
      return written > 0 ? path : null;
    },
    write(stream: 'stdout' | 'stderr', chunk: Uint8Array) {
      if (stopped || chunk.length === 0) return;
      const bytes = stream === 'stderr' ? markStderr(chunk) : chunk;
      const room = maxBytes - written;
      written += bytes.length;
      if (bytes.length <= room) return append(bytes);
      stopped = true;
      append(bytes.subarray(0, room));
      append(Buffer.from(`\n… output beyond ${maxBytes} bytes was not kept …\n`));
    },
    close() {
      if (fd === null) return;
      try {
        closeSync(fd);
      } catch {
        // Already gone (a full disk); nothing more to release.
      }
      fd = null;
    },
  };
}
