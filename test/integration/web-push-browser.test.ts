import { createClient, type Client } from '@libsql/client';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { PHONE, launchChromium, screenshot } from '../helpers/browser.js';
import { startInProcess } from '../helpers/in-process.js';
import { browserKeys } from '../helpers/push-service.js';
import { makeTempDir } from '../helpers/temp-db.js';
import { createStaticHostResolver } from '../../src/core/fakes/static-host-resolver.js';

const TOKEN = 'push-admin-token-0123456789abcdef';
const ENDPOINT = 'https://push.test/send/chromium-stand-in';

/**
 * Headless Chromium has no push service to register with (it answers "Registration failed -
 * permission denied" even with notifications allowed, and a real one would be FCM, online).
 * So: the real subscribe is shown failing honestly; the path past it runs with pushManager's
 * subscribe/getSubscription replaced by a stand-in; pushes are delivered by DevTools.
 */
describe('Web Push in Chromium: the notifications control and the service worker', () => {
  let app: RunningSwitchboard;
  let browser: Browser;
  let db: Client;
  let dir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = makeTempDir();
    app = await startInProcess({
      dir,
      adminToken: TOKEN,
      // The stand-in push host is on this machine: allowed here by name and by address, as a
      // push service on the LAN would be; the default refuses both.
      yaml:
        'users:\n  - { telegram_id: 1001, name: ops, role: owner }\n' +
        'web_push: { allowed_hosts: [push.test], allow_private_addresses: true }\n',
      resolver: createStaticHostResolver({ 'push.test': ['127.0.0.1'] }),
    });
    db = createClient({ url: `file:${join(dir, 'data', 'switchboard.db')}` });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    db?.close();
    await app?.close();
  });

  const stateOf = (page: Page) =>
    page.waitForFunction(() => {
      const s = document.querySelector('.notifications')?.getAttribute('data-state');
      return s && s !== 'checking' ? s : null;
    });

  async function approvalsPage(
    permission: 'granted' | 'prompt',
    init?: (keys: { p256dh: string; auth: string; endpoint: string }) => void,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    if (permission === 'granted') {
      await context.grantPermissions(['notifications'], { origin: app.url });
    }
    if (init) {
      const { p256dh, auth } = browserKeys();
      await page.addInitScript(init, { p256dh, auth, endpoint: ENDPOINT });
    }
    await page.goto(app.url);
    await page.getByLabel('Or use the admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.locator('.who').getByText('admin').waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.goto(`${app.url}/#/approvals`);
    await page.locator('.notifications').waitFor();
    return { context, page };
  }

  const subscriptionRows = async () =>
    (await db.execute('SELECT endpoint, user_name, role FROM push_subscriptions')).rows.map(
      (r) => ({ ...r }),
    );

  it('made VAPID keys in the data dir (0600) and serves the public key', async () => {
    const file = join(dir, 'data', 'vapid-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { publicKey } = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string };
    const res = await fetch(`${app.url}/api/push/key`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(await res.json()).toEqual({ public_key: publicKey });
  });

  it('says when the browser cannot do push (iPhone Safari outside the Home Screen)', async () => {
    const { context, page } = await approvalsPage('granted', () => {
      delete (window as unknown as { PushManager?: unknown }).PushManager;
    });
    try {
      expect(await (await stateOf(page)).jsonValue()).toBe('unsupported');
      await page.getByText(/add the app to the Home Screen first/).waitFor();
      expect(await page.getByRole('button', { name: 'Enable notifications' }).isDisabled()).toBe(
        true,
      );
    } finally {
      await context.close();
    }
  });

  it('says so when notifications are refused', async () => {
    const { context, page } = await approvalsPage('prompt');
    try {
      expect(await (await stateOf(page)).jsonValue()).toBe('off');
      // Headless Chromium answers the permission prompt with a refusal.
      await page.getByRole('button', { name: 'Enable notifications' }).click();
      await page.waitForFunction(
        () => document.querySelector('.notifications')?.getAttribute('data-state') === 'denied',
      );
      await page.getByText('Notifications are blocked in the browser settings.').waitFor();
      expect(await page.getByRole('button', { name: 'Enable notifications' }).isDisabled()).toBe(
        true,
      );
    } finally {
      await context.close();
    }
  });

  it('reports a failed subscribe (no push service here) and stores nothing', async () => {
    const { context, page } = await approvalsPage('granted');
    try {
      expect(await (await stateOf(page)).jsonValue()).toBe('off');
      await page.getByRole('button', { name: 'Enable notifications' }).click();
      await page.waitForFunction(
        () => document.querySelector('.notifications')?.getAttribute('data-state') === 'error',
      );
      await page.getByText(/Could not turn notifications on: .+/).waitFor();
      // The user can try again.
      expect(await page.getByRole('button', { name: 'Enable notifications' }).isEnabled()).toBe(
        true,
      );
      expect(await subscriptionRows()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('subscribes with the server key, posts the subscription, and turns it off again', async () => {
    const { context, page } = await approvalsPage('granted', (sub) => {
      // The stand-in for the browser's push service: it records the key it was given.
      let current: PushSubscription | null = null;
      const w = window as unknown as { subscribedWith?: string };
      PushManager.prototype.getSubscription = async () => current;
      PushManager.prototype.subscribe = async (options) => {
        const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer);
        w.subscribedWith = btoa(String.fromCharCode(...key))
          .replace(/\+/g, '-')
          .replace(/\//g, '_')
          .replace(/=+$/, '');
        current = {
          endpoint: sub.endpoint,
          toJSON: () => ({
            endpoint: sub.endpoint,
            expirationTime: null,
            keys: { p256dh: sub.p256dh, auth: sub.auth },
          }),
          unsubscribe: async () => {
            current = null;
            return true;
          },
        } as unknown as PushSubscription;
        return current;
      };
    });
    try {
      await stateOf(page);
      await page.getByRole('button', { name: 'Enable notifications' }).click();
      await page.getByText('Notifications are on for this device.').waitFor();
      await screenshot(page, 'phone-notifications-on');
      const { publicKey } = JSON.parse(
        readFileSync(join(dir, 'data', 'vapid-keys.json'), 'utf8'),
      ) as { publicKey: string };
      expect(
        await page.evaluate(() => (window as unknown as { subscribedWith: string }).subscribedWith),
      ).toBe(publicKey);
      expect(await subscriptionRows()).toEqual([
        { endpoint: ENDPOINT, user_name: 'admin', role: 'owner' },
      ]);
      await page.getByRole('button', { name: 'Turn off notifications' }).click();
      await page.getByText('Get approval requests and spend alerts on this device.').waitFor();
      expect(await subscriptionRows()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the service worker shows a pushed notification, and a tap opens its page', async () => {
    const { context, page } = await approvalsPage('granted');
    try {
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      const cdp = await context.newCDPSession(page);
      const registrationId = new Promise<string>((resolve) => {
        cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
          const ours = registrations.find((r) => r.scopeURL === `${app.url}/` && !r.isDeleted);
          if (ours) resolve(ours.registrationId);
        });
      });
      await cdp.send('ServiceWorker.enable');
      const message = {
        title: 'Daily spend breaker open',
        body: '$21.50 of $20.00 (2026-01-01)',
        url: '/#/spend',
        tag: 'breaker-day:2026-01-01',
      };
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: app.url,
        registrationId: await registrationId,
        data: JSON.stringify(message),
      });
      const shown = () =>
        page.evaluate(async () => {
          const reg = await navigator.serviceWorker.ready;
          return (await reg.getNotifications()).map((n) => ({
            title: n.title,
            body: n.body,
            tag: n.tag,
            data: n.data as unknown,
          }));
        });
      // The service worker may take seconds to wake under a loaded suite (it missed 1 s once).
      await expect.poll(shown, { timeout: 15_000 }).toHaveLength(1);
      expect((await shown())[0]).toEqual({
        title: message.title,
        body: message.body,
        tag: message.tag,
        data: { url: '/#/spend' },
      });
      // No real tap in headless Chromium: the worker is handed the click event it would get.
      const [worker] = context.serviceWorkers();
      await worker!.evaluate(async () => {
        const sw = self as unknown as {
          registration: ServiceWorkerRegistration;
          dispatchEvent(e: Event): boolean;
          NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
        };
        const [n] = await sw.registration.getNotifications();
        sw.dispatchEvent(new sw.NotificationEvent('notificationclick', { notification: n! }));
      });
      await page.waitForURL(`${app.url}/#/spend`);
      await page.getByRole('heading', { name: 'Spend' }).waitFor();
      expect(
        await page.evaluate(async () =>
          (await navigator.serviceWorker.ready).getNotifications().then((l) => l.length),
        ),
      ).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('logged no script errors', () => {
    expect(errors).toEqual([]);
  });
});
