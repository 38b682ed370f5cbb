import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import type { FieldIssue } from '../core/errors.js';

const pathOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );

/**
 * Flattens zod issues into `{ path, message }`. For a union the branch with the fewest
 * problems is reported: that is the one the caller most likely meant.
 */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      if (best.length > 0) {
        return toFieldIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
      }
    }
    return [{ path: pathOf(issue.path), message: issue.message }];
  });
}

const TARGET_NAMES: Readonly<Record<string, string>> = {
  json: 'request body',
  query: 'query string',
  param: 'path',
};

/** @hono/zod-validator with our 400 body: every bad field named, nothing else revealed. */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result, c) => {
    if (!result.success) {
      const issues = toFieldIssues(result.error.issues);
      const fields = issues.map((i) => i.path || '(whole value)').join(', ');
      const where = TARGET_NAMES[target] ?? target;
      return c.json(
        { error: 'invalid_input', message: `Invalid ${where}: ${fields}.`, issues },
        400,
      );
    }
    return undefined;
  });
