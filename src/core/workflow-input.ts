import { z } from 'zod';
import type { DomainError } from './errors.js';
import { err, ok, type Result } from './result.js';
import { LOGGED_OUTCOMES, WORKFLOW_LIMITS as L, WORKFLOW_VERDICTS } from './workflow.js';

// What each workflow action accepts; checked in core so every adapter gets the same limits.
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !s.includes('\0'), 'no NUL bytes');
const count = (max: number) => z.number().int().min(0).max(max);

export const workflowInputs = {
  init: z.object({ title: text(L.titleChars), goal: text(L.goalChars).optional() }),
  spec: z.object({
    acceptance: z.array(text(L.acceptanceChars)).min(1).max(L.acceptanceItems),
  }),
  write: z.object({
    name: text(L.stageNameChars),
    executor: text(64).optional(),
    taskKind: text(L.taskKindChars).optional(),
    outcome: z.enum(LOGGED_OUTCOMES),
    // Long output is capped, not refused (see WORKFLOW_LIMITS); this only bounds the request.
    output: z
      .string()
      .max(10 * L.outputChars)
      .optional(),
    costUsd: z.number().min(0).max(L.maxCostUsd).optional(),
    latencyMs: count(L.maxLatencyMs).optional(),
    tokensIn: count(L.maxTokens).optional(),
    tokensOut: count(L.maxTokens).optional(),
  }),
  close: z.object({ verdict: z.enum(WORKFLOW_VERDICTS), notes: text(L.notesChars).optional() }),
} as const;

/** Parses with a workflow input schema; failures become `invalid_input` with every issue. */
export function parseWorkflowInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
): Result<z.output<S>, DomainError> {
  const r = schema.safeParse(input);
  if (r.success) return ok(r.data);
  return err({
    code: 'invalid_input',
    issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}
