import type { UserFromGetMe } from 'grammy/types';
import { z } from 'zod';
import { err, ok, type Result } from '../../core/result.js';
import { assembleConfig, crossCheck, executorsOf, parseFileConfig } from './assemble-config.js';
import type { Config } from './config.js';
import { describeIssues, type ConfigError } from './config-error.js';
import { envSchema } from './env-schema.js';

const optional = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

// What getMe answers; preset so a cold isolate handles its first update without a Bot API call.
const botInfoSchema = z.looseObject({
  id: z.number().int().positive(),
  is_bot: z.literal(true),
  first_name: z.string().min(1),
  username: z.string().min(1),
});

/**
 * The Worker's vars and secrets (wrangler.toml [vars], `wrangler secret put`). The config file
 * of the Node deployment comes as text in SWITCHBOARD_CONFIG_YAML; the database is the D1
 * binding `DB` unless LIBSQL_URL names a libSQL server (Turso).
 */
const workerEnvSchema = z.object({
  SWITCHBOARD_ADMIN_TOKEN: z.string().trim().min(16, 'at least 16 characters'),
  SWITCHBOARD_CONFIG_YAML: optional,
  LIBSQL_URL: optional.pipe(z.url().optional()),
  LIBSQL_AUTH_TOKEN: optional,
  TELEGRAM_BOT_TOKEN: optional,
  TELEGRAM_WEBHOOK_SECRET: optional.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, "1–256 of A–Z, a–z, 0–9, '_' and '-' (Telegram's rule)")
      .optional(),
  ),
  TELEGRAM_API_ROOT: optional.pipe(z.url().optional()),
  BOT_INFO: optional,
});

export type WorkerDatabase =
  | { readonly kind: 'd1' }
  | { readonly kind: 'libsql'; readonly url: string; readonly authToken: string | null };

export interface WorkerConfig {
  readonly config: Config;
  readonly database: WorkerDatabase;
  /** Present when the bot runs: its webhook secret and its preset getMe answer. */
  readonly telegram: { readonly secret: string; readonly botInfo: UserFromGetMe } | null;
}

const fail = (problems: string[]) => err<ConfigError>({ source: 'the Worker bindings', problems });

function parseBotInfo(text: string): Result<UserFromGetMe, string[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return err(['BOT_INFO: not JSON (paste what getMe answers under "result")']);
  }
  const parsed = botInfoSchema.safeParse(raw);
  return parsed.success
    ? ok(parsed.data as unknown as UserFromGetMe)
    : err(describeIssues(parsed.error.issues).map((p) => `BOT_INFO.${p}`));
}

/** The Worker's Config from its string bindings, parsed once per isolate and frozen. */
export function loadWorkerConfig(
  bindings: Readonly<Record<string, unknown>>,
  version: string,
): Result<WorkerConfig, ConfigError> {
  const strings = Object.fromEntries(
    Object.entries(bindings).filter(([, v]) => typeof v === 'string'),
  );
  const env = workerEnvSchema.safeParse(strings);
  if (!env.success) return fail(describeIssues(env.error.issues));
  const e = env.data;
  const file = parseFileConfig(e.SWITCHBOARD_CONFIG_YAML ?? '', 'SWITCHBOARD_CONFIG_YAML');
  if (!file.ok) return file;
  const executors = executorsOf(file.value);
  const problems = crossCheck(file.value, executors);
  if (problems.length) return err({ source: 'SWITCHBOARD_CONFIG_YAML', problems });
  let telegram: WorkerConfig['telegram'] = null;
  if (e.TELEGRAM_BOT_TOKEN) {
    // A Worker cannot call getMe or derive a secret before its first update: both are given.
    if (!e.TELEGRAM_WEBHOOK_SECRET || !e.BOT_INFO) {
      return fail(['TELEGRAM_BOT_TOKEN needs TELEGRAM_WEBHOOK_SECRET and BOT_INFO beside it']);
    }
    const botInfo = parseBotInfo(e.BOT_INFO);
    if (!botInfo.ok) return fail(botInfo.error);
    telegram = { secret: e.TELEGRAM_WEBHOOK_SECRET, botInfo: botInfo.value };
  }
  // The Node names of the shared settings, so both deployments read them one way.
  const shared = envSchema.safeParse({
    SWITCHBOARD_ADMIN_TOKEN: e.SWITCHBOARD_ADMIN_TOKEN,
    TELEGRAM_BOT_TOKEN: e.TELEGRAM_BOT_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: e.TELEGRAM_WEBHOOK_SECRET,
    TELEGRAM_API_ROOT: e.TELEGRAM_API_ROOT,
  });
  if (!shared.success) return fail(describeIssues(shared.error.issues));
  const config = assembleConfig({
    version,
    env: shared.data,
    file: file.value,
    executors,
    configFile: null,
    // A Worker has no disk: nothing it runs reads these.
    dataDir: '',
    databaseUrl: e.LIBSQL_URL ?? 'd1:DB',
    templatesDir: '',
    templates: [],
    localEnv: {},
  });
  return ok({
    config,
    database: e.LIBSQL_URL
      ? { kind: 'libsql', url: e.LIBSQL_URL, authToken: e.LIBSQL_AUTH_TOKEN ?? null }
      : { kind: 'd1' },
    telegram,
  });
}
