import { Hono } from 'hono';
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

/**
 * POST /telegram/webhook: the secret header is checked (constant time) before the body is
 * read; the update is stored before the 200; a store failure answers 503 so Telegram retries.
 */
export function createTelegramWebhookRoute(
  telegram: TelegramWebhook,
  log: { error(m: string, f?: Record<string, unknown>): void },
) {
  return new Hono<GatewayEnv>().post('/', async (c) => {
    const presented = c.req.header('X-Telegram-Bot-Api-Secret-Token') ?? '';
    if (!constantTimeEqual(presented, telegram.secret)) {
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
