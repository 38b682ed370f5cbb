import { createClient, type Client } from '@libsql/client';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { axeViolations, DESKTOP, launchChromium, PHONE, screenshot } from '../helpers/browser.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';
import { adminClient } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'pwa-admin-token-0123456789abcdef';

// A stand-in claude: answers after a moment (so the chat can watch it run) for $1, which
// crosses the per-task warn limit below and raises a breaker alert.
const FAKE_CLAUDE = `#!/bin/sh
cat >/dev/null
sleep 1
printf '{"type":"result","subtype":"success","is_error":false,"result":"All 12 tests pass","session_id":"s1","total_cost_usd":1.0,"usage":{"input_tokens":10,"output_tokens":20}}\\n'
`;

// A deploy that production gates behind the typed phrase (SPEC §3.1); it only echoes.
const DEPLOY_TEMPLATE = `---
description: Deploy a service (a stand-in that echoes).
triggers: [deploy]
params:
  service: { type: string, required: true, values: [web, api] }
host: local
argv: [echo, 'deployed {{service}} to {{environment}}']
risk: { dev: low, staging: medium, production: high }
---
`;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('the PWA in Chromium (phone and desktop)', () => {
  let app: RunningSwitchboard;
  let db: Client;
  let browser: Browser;
  const errors: string[] = [];

  /** A /login link as the bot makes it: only the hash stored, 5 minutes unless told. */
  async function loginLink(expiresInMs = 5 * 60_000): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    const now = Date.now();
    await db.execute({
      sql: 'INSERT INTO login_links (token_hash, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)',
      args: [
        sha256(secret),
        'ops',
        new Date(now - 60_000).toISOString(),
        new Date(now + expiresInMs).toISOString(),
      ],
    });
    return `${app.url}/login#${secret}`;
  }

  async function open(options: typeof PHONE): Promise<{ context: BrowserContext; page: Page }> {
    // bypassCSP: axe-core is injected as an inline script; the app itself runs under the CSP.
    const context = await browser.newContext({ ...options, bypassCSP: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401|Failed to load resource/.test(m.text())) {
        errors.push(`console: ${m.text()}`);
      }
    });
    return { context, page };
  }

  /** A tab of the bottom (phone) or side (desktop) navigation. */
  const go = (page: Page, view: string) =>
    page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: view, exact: true })
      .click();

  async function expectAccessible(page: Page) {
    const violations = await axeViolations(page);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  }

  beforeAll(async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'deploy.md'), DEPLOY_TEMPLATE);
    app = await startWithFakeClaude({
      dir,
      adminToken: TOKEN,
      script: FAKE_CLAUDE,
      yaml: [
        'users:',
        '  - { telegram_id: 1001, name: ops, role: owner }',
        'executors:',
        '  - { name: claude-sonnet, cli: claude, model: sonnet }',
        'breakers: { task_warn_usd: 0.5, task_halt_usd: 5, day_block_usd: 20, month_flag_usd: 80 }',
      ],
    });
    db = createClient({ url: `file:${join(dir, 'data', 'switchboard.db')}` });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    db?.close();
    await app?.close();
  });

  describe('at an iPhone size (390×844, 3×, touch)', () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ context, page } = await open(PHONE));
    });
    afterAll(async () => {
      await context?.close();
    });

    it('is installable: a valid manifest with icons, and a service worker', async () => {
      await page.goto(app.url);
      await expect(page.locator('#admin-token')).toBeDefined();
      await page.getByLabel('Or use the admin token').waitFor();
      const manifest = (await page.evaluate(async () => {
        const href = document.querySelector('link[rel=manifest]')?.getAttribute('href') ?? '';
        return (await fetch(href)).json();
      })) as {
        name: string;
        display: string;
        theme_color: string;
        start_url: string;
        icons: { src: string; sizes: string; purpose?: string }[];
      };
      expect(manifest).toMatchObject({ name: 'Switchboard', display: 'standalone' });
      expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
      expect(manifest.icons.map((i) => i.sizes)).toEqual(
        expect.arrayContaining(['192x192', '512x512']),
      );
      expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
      const appleIcon = await page.getAttribute('link[rel=apple-touch-icon]', 'href');
      for (const src of [...manifest.icons.map((i) => i.src), appleIcon]) {
        const res = await page.request.get(`${app.url}${src}`);
        expect(res.headers()['content-type']).toBe('image/png');
        // A PNG, and as large as the manifest says.
        const png = await res.body();
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        const size = manifest.icons.find((i) => i.src === src)?.sizes ?? '180x180';
        expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(size);
      }
      const sw = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        return { script: reg.active?.scriptURL, scope: reg.scope };
      });
      expect(sw).toEqual({ script: `${app.url}/sw.js`, scope: `${app.url}/` });
    });

    it('reloads offline into the shell with a clear offline state', async () => {
      await page.reload();
      await page.evaluate(() => navigator.serviceWorker.ready);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      expect(await page.locator('#offline').isVisible()).toBe(false);
      await context.setOffline(true);
      try {
        await page.reload();
        await page.getByRole('heading', { name: 'You are offline' }).waitFor();
        expect(await page.locator('#offline').isVisible()).toBe(true);
        expect(await page.getByRole('navigation', { name: 'Views' }).count()).toBe(1);
        await screenshot(page, 'phone-offline');
      } finally {
        await context.setOffline(false);
      }
      await page.reload();
      await page.getByLabel('Or use the admin token').waitFor();
      expect(await page.locator('#offline').isVisible()).toBe(false);
    });

    it('refuses a used and an expired sign-in link', async () => {
      const used = await loginLink();
      const other = await open(PHONE);
      await other.page.goto(used);
      await other.page.getByRole('heading', { name: 'Tasks' }).waitFor();
      await other.context.close();
      for (const link of [used, await loginLink(-1000)]) {
        await page.goto(link);
        await page
          .getByText('This sign-in link is expired or was already used', { exact: false })
          .waitFor();
        expect(page.url()).not.toContain('#' + link.split('#')[1]);
      }
      await screenshot(page, 'phone-login-refused');
      await expectAccessible(page);
    });

    it('signs in with a one-time link into an HttpOnly SameSite=Strict session', async () => {
      await page.goto(await loginLink());
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
      // The secret is gone from the address bar.
      expect(page.url()).toBe(`${app.url}/#/tasks`);
      const cookies = await context.cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(await page.evaluate(() => document.cookie)).toBe('');
      await expect(page.locator('.who').textContent()).resolves.toBe('ops');
    });

    it('runs a request from the chat and shows it finishing live, with the breaker alert', async () => {
      await go(page, 'Chat');
      await page.getByLabel('Request').fill('ask claude to say hello');
      await page.getByRole('button', { name: 'Send' }).click();
      const card = page.locator('.task-card').last();
      await card.getByText('claude-sonnet: “say hello”').waitFor();
      await card.getByRole('button', { name: 'Cancel this task' }).waitFor();
      await card.locator('.badge.status-succeeded').waitFor({ timeout: 20_000 });
      await card
        .getByText(/All 12 tests pass|succeeded/)
        .first()
        .waitFor();
      expect(await card.getByRole('button', { name: 'Cancel this task' }).count()).toBe(0);
      // $1 crossed the $0.50 per-task warn limit: the alert comes over the same stream.
      const alert = page.getByRole('alert').filter({ hasText: 'Task spend breaker warn' });
      await alert.waitFor();
      await screenshot(page, 'phone-chat');
      await expectAccessible(page);
    });

    it('shows the task with its stages and the Mermaid diagram as SVG', async () => {
      await page.locator('.task-card').last().getByRole('link', { name: 'Details' }).click();
      await page.locator('#diagram[data-rendered="svg"] svg').waitFor({ timeout: 20_000 });
      expect(await page.locator('#diagram').getAttribute('data-rendered')).toBe('svg');
      expect(await page.locator('#diagram svg g').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: 'Re-run task' }).count()).toBe(1);
      await page.getByText('Attempt 1').waitFor();
      await screenshot(page, 'phone-task');
      await expectAccessible(page);
    });

    it('lists the task live and approves a pending one from the inbox', async () => {
      await go(page, 'Tasks');
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
      // The chat's task is listed once the list has loaded.
      await page.locator('.task-row').first().waitFor();
      const before = await page.locator('.task-row').count();
      expect(before).toBe(1);
      // Submitted elsewhere (the admin API): the open list hears of it over /api/events.
      const api = adminClient(() => app.url, TOKEN);
      const { body: task } = await api.post('/api/tasks', {
        text: 'run echo approved-from-pwa on local',
      });
      expect(task.status).toBe('awaiting_approval');
      await page.locator(`.task-row[data-task="${task.id}"]`).waitFor();
      expect(await page.locator('.task-row').count()).toBe(before + 1);
      await screenshot(page, 'phone-tasks');
      await go(page, 'Approvals');
      const item = page.locator(`.inbox li[data-task="${task.id}"]`);
      await item.waitFor();
      await screenshot(page, 'phone-approvals');
      await expectAccessible(page);
      await item.getByRole('button', { name: /^Approve: / }).click();
      await item.waitFor({ state: 'detached' });
      const done = await api.settled<{
        status: string;
        approvals: { decided_by: string; decided_channel: string }[];
      }>(task.id);
      expect(done.status).toBe('succeeded');
      expect(done.approvals[0]).toMatchObject({ decided_by: 'ops', decided_channel: 'pwa' });
    });

    it('approves high-risk work only with the typed phrase', async () => {
      const api = adminClient(() => app.url, TOKEN);
      const { body: task } = await api.post('/api/tasks', { text: 'deploy web to production' });
      expect(task).toMatchObject({ status: 'awaiting_approval', gate: 'typed_phrase' });
      const item = page.locator(`.inbox li[data-task="${task.id}"]`);
      await item.waitFor();
      const approve = item.getByRole('button', { name: /^Approve: / });
      const phrase = item.getByLabel('Type DEPLOY TO PRODUCTION to approve');
      await phrase.waitFor();
      expect(await approve.isDisabled()).toBe(true);
      await phrase.fill('deploy to production');
      expect(await approve.isDisabled()).toBe(true);
      await screenshot(page, 'phone-approvals-phrase');
      await expectAccessible(page);
      await phrase.fill('DEPLOY TO PRODUCTION');
      await approve.click();
      await item.waitFor({ state: 'detached' });
      const done = await api.settled<{ status: string; stages: { stdout_tail: string }[] }>(
        task.id,
      );
      expect(done.status).toBe('succeeded');
      expect(done.stages[0]?.stdout_tail).toContain('deployed web to production');
    });

    it('refuses a state change without the CSRF token', async () => {
      const status = await page.evaluate(async () => {
        const res = await fetch('/api/tasks', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ text: 'ask claude to sneak' }),
        });
        return res.status;
      });
      expect(status).toBe(403);
    });

    it('shows spend against the limits and the hosts with their CLIs', async () => {
      await go(page, 'Spend');
      await page.locator('svg.chart rect.bar').first().waitFor({ state: 'attached' });
      expect(await page.locator('svg.chart rect.bar').count()).toBe(30);
      expect(await page.locator('svg.chart title#chart-title').textContent()).toContain('$1.00');
      await page.locator('.breaker[data-scope="day"]').waitFor();
      await screenshot(page, 'phone-spend');
      await expectAccessible(page);
      await go(page, 'Hosts');
      await page.getByRole('button', { name: 'Check now: local' }).click();
      await page.getByText(/local CLIs: /).waitFor({ timeout: 20_000 });
      await page.getByText(/Embedded runner/).waitFor();
      await screenshot(page, 'phone-hosts');
      await expectAccessible(page);
    });

    it('signs out: the cookie no longer opens the API', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Or use the admin token').waitFor();
      const status = await page.evaluate(async () => (await fetch('/api/tasks')).status);
      expect(status).toBe(401);
    });
  });

  describe('at a desktop size (1280×800, dark)', () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ context, page } = await open(DESKTOP));
    });
    afterAll(async () => {
      await context?.close();
    });

    it('signs in with the admin token and every view passes axe', async () => {
      await page.goto(app.url);
      await page.getByLabel('Or use the admin token').fill('not the token');
      await page.getByRole('button', { name: 'Sign in with token' }).click();
      await page.getByText('That is not the admin token.').waitFor();
      await screenshot(page, 'desktop-login');
      await expectAccessible(page);
      await page.getByLabel('Or use the admin token').fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in with token' }).click();
      await page.locator('.who').getByText('admin').waitFor();
      for (const view of ['Chat', 'Tasks', 'Approvals', 'Spend', 'Hosts']) {
        await go(page, view);
        await page.locator('main h2, main .chat').first().waitFor();
        await page.waitForLoadState('networkidle');
        await screenshot(page, `desktop-${view.toLowerCase()}`);
        await expectAccessible(page);
      }
    });
  });

  it('logged no script errors in any page', () => {
    expect(errors).toEqual([]);
  });
});
