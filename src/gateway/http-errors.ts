import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describeError, type DomainError } from '../core/errors.js';

function statusOf(error: DomainError): ContentfulStatusCode {
  switch (error.code) {
    case 'not_found':
      return 404;
    case 'self_approval':
    case 'forbidden':
    case 'not_lease_holder':
    case 'host_not_served':
      return 403;
    case 'invalid_input':
      return 400;
    case 'phrase_required':
    case 'tap_required':
      return 422;
    case 'approval_expired':
      return 410;
    case 'invalid_transition':
    case 'already_decided':
    case 'permission_decided':
    case 'escalation_decided':
    case 'lease_lost':
    case 'lease_expired':
    case 'workflow_closed':
      return 409;
  }
}

const snake = (key: string) => key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

/** The one place a domain error becomes an HTTP response: `{ error, message, …details }`. */
export function domainErrorResponse(c: Context, error: DomainError): Response {
  const { code, ...details } = error;
  const wire = Object.fromEntries(Object.entries(details).map(([k, v]) => [snake(k), v]));
  return c.json({ error: code, message: describeError(error), ...wire }, statusOf(error));
}

export const errorBody = (error: string, message: string, extra: Record<string, unknown> = {}) => ({
  error,
  message,
  ...extra,
});
