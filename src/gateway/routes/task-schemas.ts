import { z } from 'zod';
import { CHANNELS, TASK_KINDS, TASK_STATUSES } from '../../core/task.js';
import { MAX_REQUEST_CHARS } from '../../core/intent/parse-request.js';
import { taskDraftSchema, type TaskDraft } from '../../core/task-draft.js';

// The wire names of the few draft fields whose core name differs (SPEC §4 uses snake_case).
// Maps, not plain objects: a key such as "constructor" must not find Object.prototype.
const WIRE_TO_CORE: ReadonlyMap<string, string> = new Map([
  ['timeout_s', 'timeoutS'],
  ['budget_usd', 'budgetUsd'],
]);
const CORE_TO_WIRE: ReadonlyMap<string, string> = new Map(
  [...WIRE_TO_CORE].map(([w, c]) => [c, w]),
);

/** Renames top-level keys only: nested values (params) keep the caller's own names. */
const renameTopLevel = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).map(([k, v]) => [WIRE_TO_CORE.get(k) ?? k, v]));

const wirePath = (path: readonly PropertyKey[]): PropertyKey[] => {
  const [head, ...rest] = path;
  return typeof head === 'string' ? [CORE_TO_WIRE.get(head) ?? head, ...rest] : [...path];
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const requestText = z.string().trim().min(1).max(MAX_REQUEST_CHARS);
const textRequestSchema = z.strictObject({ text: requestText });

/** POST /api/parse: a message and, optionally, the chat's context. */
export const parseBodySchema = z.strictObject({
  text: requestText,
  last_host: z.string().min(1).max(64).nullable().optional(),
  last_repo: z.string().min(1).max(64).nullable().optional(),
});

/**
 * POST /api/tasks: free text (parsed like a chat message) or a structured draft. Errors name
 * the fields as the caller wrote them (snake_case).
 */
export const createTaskBodySchema = z
  .custom<Record<string, unknown>>(isObject, 'expected a JSON object')
  .transform((body, ctx): TaskDraft | { text: string } => {
    // JSON.parse makes "__proto__" an own key that zod would drop silently: refuse it here.
    const odd = Object.keys(body).filter((k) => k === '__proto__' || CORE_TO_WIRE.has(k));
    for (const k of odd) {
      const wire = CORE_TO_WIRE.get(k);
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: wire ? `use ${wire} (snake_case)` : 'unknown key',
      });
    }
    if (odd.length) return z.NEVER;
    const parsed =
      'text' in body
        ? textRequestSchema.safeParse(body)
        : taskDraftSchema.safeParse(renameTopLevel(body));
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ ...issue, path: wirePath(issue.path) } as never);
    }
    return z.NEVER;
  });

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).max(values.length));

export const listTasksQuerySchema = z.strictObject({
  status: csv(TASK_STATUSES).optional(),
  kind: z.enum(TASK_KINDS).optional(),
  host: z.string().max(64).optional(),
  executor: z.string().max(64).optional(),
  requester: z.string().max(128).optional(),
  channel: z.enum(CHANNELS).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'a whole number from 1 to 100')
    .transform(Number)
    .pipe(z.number().min(1, 'at least 1').max(100, 'at most 100'))
    .optional(),
  cursor: z
    .string()
    .max(200)
    .transform((c, ctx) => {
      const id = decodeCursor(c);
      if (id === null) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page' });
        return z.NEVER;
      }
      return id;
    })
    .optional(),
});

export const taskIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9-]+$/, 'a task id'),
});

export const approveBodySchema = z.strictObject({ phrase: z.string().max(200).optional() });
export const reasonBodySchema = z.strictObject({ reason: z.string().max(2_000).optional() });

/** Cursors are opaque to callers: the last id of a page, base64url-encoded. */
// btoa/atob rather than Buffer: the gateway also runs on Workers.
export const encodeCursor = (id: string): string =>
  btoa(`t:${id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function decodeCursor(cursor: string): string | null {
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
  return /^t:[A-Za-z0-9-]{1,64}$/.test(text) ? text.slice(2) : null;
}

/** GET /api/tasks/:id/output: one attempt (latest by default), JSON or one stream as text. */
export const taskOutputQuerySchema = z.strictObject({
  attempt: z.coerce.number().int().min(1).max(1_000).optional(),
  stream: z.enum(['stdout', 'stderr']).optional(),
});
