import type { z } from 'zod';

/** Where the problem is (env, the YAML file, a template file) and each bad field with what was expected. */
export interface ConfigError {
  readonly source: string;
  readonly problems: readonly string[];
}

export const formatConfigError = (e: ConfigError): string =>
  [`Invalid configuration in ${e.source}:`, ...e.problems.map((p) => `  - ${p}`)].join('\n');

const fieldPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );

export const describeIssues = (issues: readonly z.core.$ZodIssue[]): string[] =>
  issues.map((i) => `${fieldPath(i.path) || '(top level)'}: ${i.message}`);
