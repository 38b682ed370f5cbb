import { resolve } from 'node:path';
import { err, ok, type Result } from '../../core/result.js';
import type { Config } from './config.js';
import { assembleConfig, crossCheck, executorsOf, parseFileConfig } from './assemble-config.js';
import { describeIssues, type ConfigError } from './config-error.js';
import { envSchema } from './env-schema.js';
import { loadTemplates } from '../templates/load-templates.js';

export { describeIssues, formatConfigError, type ConfigError } from './config-error.js';

/** What commands on the built-in `local` host see of the gateway's environment. */
const LOCAL_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'LANG', 'LC_ALL'] as const;

export interface ConfigSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly version: string;
  readFile(path: string): string;
}

/** Reads env, the optional YAML file and the templates folder once; the result is frozen and passed down. */
export function loadConfig(src: ConfigSources): Result<Config, ConfigError> {
  const env = envSchema.safeParse(src.env);
  if (!env.success)
    return err({ source: 'the environment', problems: describeIssues(env.error.issues) });
  const e = env.data;
  const configFile = e.SWITCHBOARD_CONFIG ? resolve(src.cwd, e.SWITCHBOARD_CONFIG) : null;
  let raw = '';
  if (configFile) {
    let text: string;
    try {
      text = src.readFile(configFile);
    } catch (cause) {
      return err({
        source: configFile,
        problems: [
          `cannot read the file (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
        ],
      });
    }
    raw = text;
  }
  const parsed = parseFileConfig(raw, configFile ?? 'the built-in defaults');
  if (!parsed.ok) return parsed;
  const file = parsed.value;
  const executors = executorsOf(file);
  const problems = crossCheck(file, executors);
  if (problems.length) return err({ source: configFile ?? 'the built-in defaults', problems });
  const templatesDir = resolve(
    configFile ? resolve(configFile, '..') : src.cwd,
    file.templates_dir ?? './templates',
  );
  const templates = loadTemplates({
    dir: templatesDir,
    required: file.templates_dir !== undefined,
    configSource: configFile ?? 'the built-in defaults',
    hosts: ['local', ...file.hosts.map((h) => h.name)],
  });
  if (!templates.ok) return templates;
  const dataDir = resolve(src.cwd, e.SWITCHBOARD_DATA_DIR ?? './data');
  return ok(
    assembleConfig({
      version: src.version,
      env: e,
      file,
      executors,
      configFile,
      dataDir,
      databaseUrl: e.DATABASE_URL ?? `file:${resolve(dataDir, 'switchboard.db')}`,
      templatesDir,
      templates: templates.value,
      localEnv: Object.fromEntries(
        LOCAL_ENV.flatMap((k) => (src.env[k] ? [[k, src.env[k]]] : [])),
      ) as Record<string, string>,
    }),
  );
}
