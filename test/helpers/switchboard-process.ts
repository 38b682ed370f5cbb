import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));

export interface CliRun {
  readonly proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  readonly exited: Promise<number | string>;
}

/** Runs `switchboard <args>` as a real process, in `cwd`, with a clean, explicit environment. */
export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): CliRun {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? cwd, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { proc, stdout: () => out, stderr: () => err, exited };
}

export interface RunningCli extends CliRun {
  readonly url: string;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `switchboard start` and waits for its banner; fails with its output if it exits instead. */
export async function startCli(
  cwd: string,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<RunningCli> {
  const run = runCli(['start'], cwd, env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner after ${timeoutMs} ms:\n${run.stdout()}\n${run.stderr()}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /is running at (http:\/\/\S+)/.exec(run.stdout());
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    run.proc.stdout?.on('data', check);
    void run.exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `switchboard exited (${code}) before listening:\n${run.stdout()}\n${run.stderr()}`,
        ),
      );
    });
  });
  return {
    ...run,
    url,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill(signal);
      return run.exited;
    },
  };
}
