import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { createRunnerRegistry } from '../../src/db/repositories/runner-registry.js';
import { hashToken } from '../../src/gateway/token-hash.js';
import { runCli } from '../helpers/switchboard-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

// `switchboard token create --role runner` as an operator runs it: a real process, a real
// config file and database. A runner token names the configured hosts it serves.
describe('switchboard token create --role runner', () => {
  it('requires --hosts naming configured hosts other than local, and stores them with the token', async () => {
    const dir = makeTempDir();
    writeFileSync(
      join(dir, 'switchboard.yaml'),
      [
        'hosts:',
        '  - { name: vm1, address: 10.0.0.5, user: runner }',
        '  - { name: vm2, address: 10.0.0.6, user: runner }',
      ].join('\n'),
    );
    const env = { SWITCHBOARD_CONFIG: 'switchboard.yaml', SWITCHBOARD_DATA_DIR: join(dir, 'data') };
    const cli = async (...args: string[]) => {
      const run = runCli(
        ['token', 'create', '--name', 'r1', '--role', 'runner', ...args],
        dir,
        env,
      );
      return { code: await run.exited, out: run.stdout(), err: run.stderr() };
    };
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.err).toContain('a runner token needs --hosts');
    expect(none.err).toContain('vm1, vm2');
    const local = await cli('--hosts', 'vm1,local');
    expect(local.code).toBe(2);
    expect(local.err).toContain('--hosts may not name local');
    const unknown = await cli('--hosts', 'vm1,vm9');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown host(s) vm9');

    const made = await cli('--hosts', 'vm1, vm2');
    expect(made.code).toBe(0);
    expect(made.out).toContain('for vm1, vm2');
    const token = /sbr_[A-Za-z0-9_-]{43}/.exec(made.out)?.[0] ?? '';
    const db = await openDatabase({ url: `file:${join(dir, 'data', 'switchboard.db')}` });
    try {
      const runner = await createRunnerRegistry(db.db).findByTokenHash(await hashToken(token));
      expect(runner).toMatchObject({ name: 'r1', hosts: ['vm1', 'vm2'] });
      // Only the one that passed was registered.
      expect(await createRunnerRegistry(db.db).list()).toHaveLength(1);
    } finally {
      db.close();
    }
  }, 60_000);
});
