import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { err, ok, type Result } from '../../core/result.js';
import type { TaskTemplate } from '../../core/template.js';
import type { ConfigError } from '../config/config-error.js';
import { parseTemplateFile } from './template-file.js';

/** A templates folder is a handful of hand-written files; more is a mistake, not a catalog. */
export const TEMPLATE_LIMITS = { files: 200, fileBytes: 64 * 1024 } as const;

export interface TemplateDirOptions {
  readonly dir: string;
  /** The config named this folder, so its absence is an error rather than "no templates". */
  readonly required: boolean;
  /** Where `templates_dir` came from, for errors about the folder itself. */
  readonly configSource: string;
  /** Host names a template may pin (`local` and the configured hosts). */
  readonly hosts: readonly string[];
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

/** Reads every `*.md` in the folder once at startup; the first bad file refuses them all. */
export function loadTemplates(options: TemplateDirOptions): Result<TaskTemplate[], ConfigError> {
  const { dir } = options;
  const folderError = (problem: string) =>
    err({ source: options.configSource, problems: [`templates_dir: ${problem}`] });
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
      .sort();
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENOENT' && !options.required) return ok([]);
    if (code === 'ENOENT') return folderError(`no such folder ${dir}`);
    return folderError(`cannot read ${dir} (${code})`);
  }
  if (names.length > TEMPLATE_LIMITS.files)
    return folderError(`${dir} holds ${names.length} templates; at most ${TEMPLATE_LIMITS.files}`);
  const templates: TaskTemplate[] = [];
  const fileOf = new Map<string, string>();
  for (const fileName of names) {
    const file = join(dir, fileName);
    const fail = (problems: string[]) => err({ source: file, problems });
    let text: string;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) continue;
      if (stat.size > TEMPLATE_LIMITS.fileBytes)
        return fail([
          `(file): ${stat.size} bytes; a template is at most ${TEMPLATE_LIMITS.fileBytes}`,
        ]);
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return fail([`(file): cannot read it (${codeOf(e)})`]);
    }
    const parsed = parseTemplateFile(text, basename(fileName, '.md'));
    if (!parsed.ok) return fail(parsed.problems);
    const t = parsed.template;
    if (t.host && !options.hosts.includes(t.host))
      return fail([`host: unknown host "${t.host}"; expected one of ${options.hosts.join(', ')}`]);
    const stepHost = t.steps.findIndex((s) => s.host && !options.hosts.includes(s.host));
    if (stepHost >= 0)
      return fail([
        `steps[${stepHost}].host: unknown host "${t.steps[stepHost]?.host}"; expected one of ${options.hosts.join(', ')}`,
      ]);
    const first = fileOf.get(t.name);
    if (first) return fail([`name: "${t.name}" is already defined in ${first}`]);
    fileOf.set(t.name, file);
    templates.push(t);
  }
  return ok(templates);
}
