import { createMiddleware } from 'hono/factory';
import { errorBody } from '../http-errors.js';

const isJson = (type: string | undefined) =>
  /^application\/([\w.-]+\+)?json$/i.test(type?.split(';')[0]?.trim() ?? '');

/** A body that is not declared as JSON is refused up front rather than read as `{}`. */
export const requireJson = createMiddleware(async (c, next) => {
  if (!isJson(c.req.header('Content-Type'))) {
    return c.json(errorBody('unsupported_media_type', 'Send the body as application/json.'), 415);
  }
  await next();
});

/**
 * For routes whose body is optional: none is fine, a body must be JSON. Presence is judged by
 * reading it (bounded by the body limit): headers alone differ between runtimes and clients.
 */
export const jsonIfBody = createMiddleware(async (c, next) => {
  if (!isJson(c.req.header('Content-Type')) && (await c.req.text()).length > 0) {
    return c.json(errorBody('unsupported_media_type', 'Send the body as application/json.'), 415);
  }
  await next();
});
