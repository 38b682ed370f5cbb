import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A task that prints without end must not fill the disk: the spool stops here. */
export const DEFAULT_SPOOL_BYTES = 1024 ** 3;

/**
 * The full output of one attempt, written to a file as it arrives (the database keeps only a
 * capped copy). Synchronous writes keep memory flat however fast a command prints. The file
 * is created with the first output: a command that prints nothing leaves no file behind.
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
  // only a piece that starts a line gets the mark.
  let stderrAtLineStart = true;
  const markStderr = (text: string) => {
    const marked = text.replace(/\n(?=[^\n])/g, '\n! ');
    const mark = stderrAtLineStart && text !== '' && !text.startsWith('\n');
    if (text !== '') stderrAtLineStart = text.endsWith('\n');
    return mark ? `! ${marked}` : marked;
  };
  const append = (text: string) => {
    try {
      if (fd === null) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        fd = openSync(path, 'a', 0o600);
      }
      writeSync(fd, text);
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
    write(stream: 'stdout' | 'stderr', text: string) {
      if (stopped) return;
      const chunk = stream === 'stderr' ? markStderr(text) : text;
      written += Buffer.byteLength(chunk);
      if (written > maxBytes) {
        stopped = true;
        return append(`\n… output beyond ${maxBytes} bytes was not kept …\n`);
      }
      append(chunk);
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
