import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import { constantTimeEqual } from '../constant-time.js';
import type { GatewayEnv, TelegramWebhook } from '../deps.js';
import { errorBody } from '../http-errors.js';

// Telegram's updates are trusted once the secret matches; only the id is needed to dedupe.
const updateSchema = z.looseObject({
  update_id: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 52),
});

const secretMatches = (presented: string | undefined, secret: string) =>
  constantTimeEqual(presented ?? '', secret);

/** Telegram's secret-token header, checked in constant time before anything reads the body. */
export function telegramSecret(secret: string) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    if (!secretMatches(c.req.header('X-Telegram-Bot-Api-Secret-Token'), secret)) {
      return c.json(errorBody('unauthorized', 'Unauthorized.'), 401);
    }
    await next();
  });
}

/**
 * POST /telegram/webhook: the secret header is checked (constant time) before the body is
 * read; the update is stored before the 200; a store failure answers 503 so Telegram retries.
 */
export function createTelegramWebhookRoute(
  telegram: TelegramWebhook,
  log: { error(m: string, f?: Record<string, unknown>): void },
) {
  return new Hono<GatewayEnv>().post('/', async (c) => {
    // Checked again here (the app mounts telegramSecret first), so the route is safe alone.
    if (!secretMatches(c.req.header('X-Telegram-Bot-Api-Secret-Token'), telegram.secret)) {
      return c.json(errorBody('unauthorized', 'Unauthorized.'), 401);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(errorBody('bad_request', 'The body is not JSON.'), 400);
    }
    const parsed = updateSchema.safeParse(body);
    if (!parsed.success) return c.json(errorBody('bad_request', 'Not a Telegram update.'), 400);
    try {
      await telegram.accept(parsed.data as unknown as Update);
    } catch (e) {
      log.error('telegram: could not store an update', {
        update_id: parsed.data.update_id,
        error: String(e),
      });
      return c.json(errorBody('unavailable', 'Try again later.'), 503);
    }
    return c.json({ ok: true });
  });
}
