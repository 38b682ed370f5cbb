import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostDirectory, HostProbe } from '../../src/gateway/host-directory.js';
import { signInAs } from '../helpers/web-session.js';
import { createTestApp, T0, type TestApp } from '../helpers/test-app.js';

const ORIGIN = 'http://localhost';

/** One configured host whose probe finds it fine; counts the probes it was asked for. */
function oneHost(): HostDirectory & { probes: string[] } {
  const probes: string[] = [];
  const found: HostProbe = { ok: true, checks: [], checkedAt: T0 };
  return {
    probes,
    list: () => [{ name: 'build-vm', address: '10.0.0.5', labels: [], maxSessions: null }],
    lastProbe: () => null,
    async probe(name) {
      probes.push(name);
      return name === 'build-vm' ? found : null;
    },
  };
}

describe('POST /api/hosts/:name/probe is on the record, refusals too', () => {
  let t: TestApp;
  let hosts: ReturnType<typeof oneHost>;
  beforeEach(async () => {
    hosts = oneHost();
    t = await createTestApp({
      hosts,
      roleOf: (name) => (name === 'eve' ? 'viewer' : name === 'boss' ? 'approver' : null),
    });
  });
  afterEach(() => t.dispose());

  /** A session of `user` (sign-in link), with what a state-changing request needs. */
  async function as(user: string) {
    const { cookie, csrf } = await signInAs(t, user);
    return (path: string) =>
      t.raw(path, {
        method: 'POST',
        headers: { Cookie: cookie, Origin: ORIGIN, 'X-CSRF-Token': csrf },
      });
  }

  const recorded = async (subject: string) =>
    (await t.stores.audit.listBySubject(subject, 20)).map((e) => [
      e.actor,
      e.channel,
      e.action,
      e.detail['reason'] ?? e.detail['action'] ?? e.detail['ok'],
    ]);

  it('audits a viewer refused, an unknown host refused, and a probe made', async () => {
    const viewer = await as('eve');
    expect((await viewer('/api/hosts/build-vm/probe')).status).toBe(403);
    const approver = await as('boss');
    expect((await approver('/api/hosts/nowhere/probe')).status).toBe(404);
    expect((await approver('/api/hosts/build-vm/probe')).status).toBe(200);
    // The viewer's refusal opened no SSH: only the approver's two requests reached the hosts.
    expect(hosts.probes).toEqual(['nowhere', 'build-vm']);
    expect(await recorded('host:build-vm')).toEqual([
      ['eve', 'pwa', 'access.denied', 'host.probe'],
      ['boss', 'pwa', 'host.probed', true],
    ]);
    expect(await recorded('host:nowhere')).toEqual([
      ['boss', 'pwa', 'host.probe_refused', 'unknown_host'],
    ]);
  });
});
