import type { FieldIssue } from './errors.js';
import { ENVIRONMENTS, type Environment, type ParamValue } from './task.js';
import type { TaskTemplate, TemplateParam } from './template.js';

/** `{{name}}` inside one argv element; anything else with braces (`{{.State}}`) is literal. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;

/** The placeholder every template may use besides its own parameters. */
export const ENVIRONMENT_PLACEHOLDER = 'environment';

/** The names the `{{…}}` placeholders of one argv element refer to, in order. */
export const placeholdersOf = (arg: string): string[] =>
  [...arg.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');

export interface RenderedTemplate {
  readonly argv: readonly string[];
  /** Every parameter with a value: given (coerced to its type) or its default. */
  readonly params: Readonly<Record<string, ParamValue>>;
}

export type RenderResult =
  | { readonly ok: true; readonly value: RenderedTemplate }
  | { readonly ok: false; readonly issues: FieldIssue[] };

const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** Chat gives every value as text: "3" is a number, "yes" a boolean, "Staging" an enum value. */
function coerce(
  param: TemplateParam,
  raw: ParamValue,
): { value: ParamValue } | { problem: string } {
  switch (param.type) {
    case 'string': {
      const text = typeof raw === 'string' ? raw : String(raw);
      if (!param.values) return { value: text };
      const wanted = text.trim().toLowerCase();
      const match = param.values.find((v) => v.toLowerCase() === wanted);
      return match !== undefined
        ? { value: match }
        : { problem: `expected one of ${param.values.join(', ')}` };
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : NUMBER.test(String(raw).trim()) ? Number(raw) : NaN;
      return Number.isFinite(n) && typeof raw !== 'boolean'
        ? { value: n }
        : { problem: 'expected a number' };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const word = String(raw).trim().toLowerCase();
      if (TRUE.has(word)) return { value: true };
      if (FALSE.has(word)) return { value: false };
      return { problem: 'expected true or false (yes or no)' };
    }
  }
}

const isBlank = (v: ParamValue) => typeof v === 'string' && v.trim() === '';

/**
 * Checks a request's params against a template and renders its argv. Each value replaces its
 * placeholder inside that one element, as data: spaces, quotes or `$(…)` never split it or reach
 * a shell. An element naming an optional parameter that has no value is left out.
 */
export function renderTemplate(
  template: TaskTemplate,
  given: Readonly<Record<string, ParamValue>>,
  environment: Environment | null,
): RenderResult {
  const issues: FieldIssue[] = [];
  const known = template.params.map((p) => p.name);
  for (const name of Object.keys(given)) {
    if (!known.includes(name)) {
      issues.push({
        path: `params.${name}`,
        message: known.length
          ? `unknown parameter; expected one of ${known.join(', ')}`
          : `unknown parameter; template ${template.name} takes none`,
      });
    }
  }
  const values: Record<string, ParamValue> = {};
  for (const param of template.params) {
    const raw = Object.hasOwn(given, param.name) ? given[param.name] : undefined;
    if (raw === undefined || isBlank(raw)) {
      if (param.default !== null) values[param.name] = param.default;
      else if (param.required) {
        const hint = param.values ? `; expected one of ${param.values.join(', ')}` : '';
        issues.push({ path: `params.${param.name}`, message: `required (${param.type})${hint}` });
      }
      continue;
    }
    const coerced = coerce(param, raw);
    if ('problem' in coerced)
      issues.push({ path: `params.${param.name}`, message: coerced.problem });
    else values[param.name] = coerced.value;
  }
  const usesEnvironment = template.argv.some((a) =>
    placeholdersOf(a).includes(ENVIRONMENT_PLACEHOLDER),
  );
  if (usesEnvironment && environment === null) {
    issues.push({
      path: 'environment',
      message: `template ${template.name} needs one; expected one of ${ENVIRONMENTS.join(', ')}`,
    });
  }
  if (issues.length) return { ok: false, issues };
  const valueOf = (name: string): string | undefined => {
    if (name === ENVIRONMENT_PLACEHOLDER) return environment ?? undefined;
    const v = values[name];
    return v === undefined ? undefined : String(v);
  };
  const argv: string[] = [];
  for (const arg of template.argv) {
    if (placeholdersOf(arg).some((name) => valueOf(name) === undefined)) continue;
    // A replacer function, so `$&` or `$1` in a value stays literal.
    const rendered = arg.replace(PLACEHOLDER, (_, name: string) => valueOf(name) ?? '');
    argv.push(rendered);
  }
  return { ok: true, value: { argv, params: values } };
}
