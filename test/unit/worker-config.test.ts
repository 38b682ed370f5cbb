import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../src/entry/config/worker-config.js';

const ADMIN = { SWITCHBOARD_ADMIN_TOKEN: 'worker-admin-token-0123456789' };
const BOT = {
  TELEGRAM_BOT_TOKEN: '123:abc',
  TELEGRAM_WEBHOOK_SECRET: 'secret_0123',
  BOT_INFO: '{"id":123,"is_bot":true,"first_name":"B","username":"b_bot"}',
};

describe('the Worker config (bindings → Config)', () => {
  it('reads the YAML text with the Node meaning of every setting, and uses D1 by default', () => {
    const r = loadWorkerConfig(
      {
        ...ADMIN,
        ...BOT,
        DB: { prepare() {} },
        SWITCHBOARD_CONFIG_YAML:
          '{ users: [{ telegram_id: 1001, name: ops, role: owner }], lease_s: 7 }',
      },
      '1.2.3',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.database).toEqual({ kind: 'd1' });
    expect(r.value.config).toMatchObject({
      version: '1.2.3',
      leaseS: 7,
      adminToken: ADMIN.SWITCHBOARD_ADMIN_TOKEN,
    });
    expect(r.value.config.users).toEqual([{ telegram_id: 1001, name: 'ops', role: 'owner' }]);
    expect(r.value.telegram?.botInfo.username).toBe('b_bot');
    expect(Object.isFrozen(r.value.config)).toBe(true);
  });

  it('takes a libSQL server from LIBSQL_URL and its token', () => {
    const r = loadWorkerConfig(
      { ...ADMIN, LIBSQL_URL: 'libsql://db.example.turso.io', LIBSQL_AUTH_TOKEN: 't' },
      'v',
    );
    expect(r.ok && r.value.database).toEqual({
      kind: 'libsql',
      url: 'libsql://db.example.turso.io',
      authToken: 't',
    });
    expect(r.ok && r.value.telegram).toBeNull();
  });

  it('names each problem: no admin token, a bot without BOT_INFO, bad YAML, bad BOT_INFO', () => {
    const problems = (b: Record<string, unknown>) => {
      const r = loadWorkerConfig(b, 'v');
      return r.ok ? [] : r.error.problems;
    };
    expect(problems({})).toEqual([expect.stringMatching(/^SWITCHBOARD_ADMIN_TOKEN/)]);
    expect(problems({ ...ADMIN, ...BOT, BOT_INFO: '' })).toEqual([
      expect.stringContaining('BOT_INFO'),
    ]);
    expect(problems({ ...ADMIN, SWITCHBOARD_CONFIG_YAML: 'lease_s: [' })).not.toEqual([]);
    expect(problems({ ...ADMIN, SWITCHBOARD_CONFIG_YAML: 'lease_s: 1' })).toEqual([
      expect.stringMatching(/^lease_s/),
    ]);
    expect(problems({ ...ADMIN, ...BOT, BOT_INFO: '{"id":1,"is_bot":false}' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^BOT_INFO\.is_bot/)]),
    );
  });
});
