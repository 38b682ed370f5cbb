import { createMiddleware } from 'hono/factory';
import { errorBody } from '../http-errors.js';

/** A body that is not declared as JSON is refused up front rather than read as `{}`. */
export const requireJson = createMiddleware(async (c, next) => {
  const type = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json') {
    return c.json(errorBody('unsupported_media_type', 'Send the body as application/json.'), 415);
  }
  await next();
});
