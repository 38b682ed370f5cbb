import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The full output of one attempt, written to a file as it arrives (the stage keeps only a
 * capped copy). Synchronous appends keep memory flat however fast a command prints.
 */
export function createOutputSpool(dir: string, taskId: string, attempt: number) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${taskId}.${attempt}.log`);
  let failed = false;
  return {
    path,
    write(stream: 'stdout' | 'stderr', text: string) {
      if (failed) return;
      try {
        appendFileSync(path, stream === 'stderr' ? text.replace(/^/gm, '! ') : text, {
          mode: 0o600,
        });
      } catch {
        // A full disk must not fail the task: the capped copy on the stage still exists.
        failed = true;
      }
    },
  };
}
