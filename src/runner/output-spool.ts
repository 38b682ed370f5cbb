import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A task that prints without end must not fill the disk: the spool stops here. */
export const DEFAULT_SPOOL_BYTES = 1024 ** 3;

/**
 * The full output of one attempt, written to a file as it arrives (the stage keeps only a
 * capped copy). Synchronous appends keep memory flat however fast a command prints.
 */
export function createOutputSpool(
  dir: string,
  taskId: string,
  attempt: number,
  maxBytes = DEFAULT_SPOOL_BYTES,
) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${taskId}.${attempt}.log`);
  let written = 0;
  let stopped = false;
  const append = (text: string) => {
    try {
      appendFileSync(path, text, { mode: 0o600 });
    } catch {
      // A full disk must not fail the task: the capped copy on the stage still exists.
      stopped = true;
    }
  };
  return {
    path,
    write(stream: 'stdout' | 'stderr', text: string) {
      if (stopped) return;
      const chunk = stream === 'stderr' ? text.replace(/^(?=.)/gm, '! ') : text;
      written += Buffer.byteLength(chunk);
      if (written > maxBytes) {
        stopped = true;
        return append(`\n… output beyond ${maxBytes} bytes was not kept …\n`);
      }
      append(chunk);
    },
  };
}
