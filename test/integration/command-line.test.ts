import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  PGID_MARKER,
  RUN_MARKER_VAR,
  quote,
  toRemoteCommandLine,
} from '../../src/runner/command-line.js';
import { reapCommand } from '../../src/runner/reap-command.js';
import { INJECTIONS } from '../helpers/injections.js';

const run = promisify(execFile);
const MARKER = '0123456789abcdef0123456789abcdef';
const REAP = { graceMs: 100, trustGroup: true };
const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;
const PRINT_ARGS = ['node', '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))'];

/** Runs the built command line through a real POSIX shell in a new session, as sshd does. */
const viaShell = (line: string, env: Record<string, string> = {}) =>
  run('setsid', ['sh', '-c', line], { env: { PATH, HOME: '/tmp', ...env } });

describe('argv → remote command line (through a real sh)', () => {
  it('delivers every hostile argument verbatim, as data', async () => {
    const { stdout, stderr } = await viaShell(
      toRemoteCommandLine({ argv: [...PRINT_ARGS, ...INJECTIONS] }),
    );
    expect(JSON.parse(stdout)).toEqual(INJECTIONS);
    expect(stderr).toMatch(new RegExp(`^${PGID_MARKER}\\d+\\n$`));
  });

  it('runs in the working directory with only the allow-listed environment', async () => {
    const line = toRemoteCommandLine({
      argv: [
        'node',
        '-e',
        'process.stdout.write(JSON.stringify({ cwd: process.cwd(), env: process.env }))',
      ],
      cwd: '/tmp',
      env: { TASK_ID: "x'; echo pwned #" },
    });
    const { stdout } = await run('sh', ['-c', line], {
      env: { PATH, HOME: '/tmp', SECRET_TOKEN: 's3cret' },
    });
    const seen = JSON.parse(stdout) as { cwd: string; env: Record<string, string> };
    expect(seen.cwd).toBe('/tmp');
    expect(seen.env['TASK_ID']).toBe("x'; echo pwned #");
    expect(seen.env['SECRET_TOKEN']).toBeUndefined();
    expect(seen.env['PATH']).toBe(PATH);
  });

  it('passes an inherited variable on only when it is set, with its value intact', async () => {
    const line = toRemoteCommandLine({
      argv: ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))'],
    });
    const home = "/tmp/a b'$(echo x)";
    const { stdout } = await run('sh', ['-c', line], { env: { PATH, HOME: home, USER: '' } });
    const env = JSON.parse(stdout) as Record<string, string>;
    expect(env['HOME']).toBe(home);
    // Set but empty stays set; unset stays unset (an empty TMPDIR would mislead a CLI).
    expect(env['USER']).toBe('');
    expect(Object.keys(env).sort()).toEqual(['HOME', 'LANG', 'PATH', 'USER']);
  });

  it('reports a process group that is the command itself, apart from the caller', async () => {
    const line = toRemoteCommandLine({ argv: ['sh', '-c', 'ps -o pgid= -p $$'] });
    const { stdout, stderr } = await viaShell(line);
    const reported = Number(stderr.slice(PGID_MARKER.length));
    expect(Number(stdout.trim())).toBe(reported);
    expect(reported).not.toBe(process.pid);
  });

  it('refuses what it cannot pass safely', () => {
    expect(() => toRemoteCommandLine({ argv: [] })).toThrow(/program/);
    expect(() => toRemoteCommandLine({ argv: ['ls'], env: { 'A B': 'x' } })).toThrow(
      /variable name/,
    );
    expect(() => quote('a\0b')).toThrow(/NUL/);
    expect(() => toRemoteCommandLine({ argv: ['ls'], marker: 'ab; rm -rf ~' })).toThrow(/marker/);
    expect(() => reapCommand({ marker: 'AB', pgid: 7 }, REAP)).toThrow(/marker/);
    expect(() => reapCommand({ marker: MARKER, pgid: -1 }, REAP)).toThrow(/process group/);
  });

  it('sets the run marker last, so a task cannot replace it with its own env', async () => {
    const line = toRemoteCommandLine({
      argv: ['sh', '-c', `printf %s "$${RUN_MARKER_VAR}"`],
      env: { [RUN_MARKER_VAR]: 'not-the-marker' },
      marker: MARKER,
    });
    const { stdout } = await viaShell(line);
    expect(stdout).toBe(MARKER);
  });
});
