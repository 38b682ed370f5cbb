import type { ExecResult } from '../transport.js';
import { describeExit, exitedZero, lastLine, NO_USAGE, oneLine, settle } from './classify.js';
import type { ExecutorProfile, ExecutorTask, Invocation, ParsedRun } from './profile.js';

/**
 * Plain argv commands: run verbatim, judged by exit status alone. Their output is the user's
 * own text, so no auth/network guessing from words, which would misread e.g. a test name.
 */
export const SHELL_PROFILE: ExecutorProfile = {
  name: 'shell',
  cli: 'shell',
  invocation: shellInvocation,
  parse: parseShellOutput,
};

export function shellInvocation(task: ExecutorTask): Invocation {
  if (task.argv === null || task.argv.length === 0) {
    throw new Error('shell: a shell task needs a non-empty argv');
  }
  return { argv: [...task.argv], stdin: null };
}

export function parseShellOutput(result: ExecResult): ParsedRun {
  if (exitedZero(result)) {
    return settle(result, {
      ...NO_USAGE,
      outcome: 'succeeded',
      summary: oneLine(lastLine(result.stdout.text)),
    });
  }
  const reason =
    lastLine(result.stderr.text) ?? lastLine(result.stdout.text) ?? describeExit(result.exit);
  return settle(result, { ...NO_USAGE, outcome: 'failed', summary: oneLine(reason) });
}
