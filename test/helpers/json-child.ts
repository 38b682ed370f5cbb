import { spawn } from 'node:child_process';

/**
 * Runs a TypeScript helper in its own Node process (the way separate runners race on one
 * database file) and resolves with the JSON it prints; rejects with its stderr if it fails.
 */
export function runJsonChild<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as T)
        : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}
