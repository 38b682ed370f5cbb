import { z } from 'zod';
import { TASK_STATUSES, TASK_KINDS, CHANNELS } from '../../core/task.js';
import { taskDraftSchema, type TaskDraft } from '../../core/task-draft.js';

// The wire names of the few draft fields whose core name differs (SPEC §4 uses snake_case).
const WIRE_TO_CORE: Readonly<Record<string, string>> = {
  timeout_s: 'timeoutS',
  budget_usd: 'budgetUsd',
};
const CORE_TO_WIRE = Object.fromEntries(Object.entries(WIRE_TO_CORE).map(([w, c]) => [c, w]));

function renameKeys(value: unknown, map: Readonly<Record<string, string>>): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [map[k] ?? k, v]));
}

/** A structured draft as sent over HTTP; errors name the fields as the caller wrote them. */
const wireDraftSchema = z.unknown().transform((value, ctx): TaskDraft => {
  if (value && typeof value === 'object' && Object.keys(value).some((k) => k in CORE_TO_WIRE)) {
    ctx.addIssue({ code: 'custom', message: 'use timeout_s and budget_usd (snake_case)' });
    return z.NEVER;
  }
  const parsed = taskDraftSchema.safeParse(renameKeys(value, WIRE_TO_CORE));
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({
      ...issue,
      path: issue.path.map((p) => (typeof p === 'string' ? (CORE_TO_WIRE[p] ?? p) : p)),
    } as never);
  }
  return z.NEVER;
});

const textRequestSchema = z.strictObject({ text: z.string().trim().min(1).max(4_000) });

/** POST /api/tasks: free text (parsed like a chat message) or a structured draft. */
export const createTaskBodySchema = z
  .record(z.string(), z.unknown(), 'a JSON object')
  .transform((body, ctx) => {
    const parsed = ('text' in body ? textRequestSchema : wireDraftSchema).safeParse(body);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue(issue as never);
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
