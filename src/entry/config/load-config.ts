import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { DEFAULT_SHELL_ALLOW_LIST } from '../../core/approval-policy.js';
import { err, ok, type Result } from '../../core/result.js';
import { DEFAULT_EXECUTORS, DEFAULT_LADDER, type Config } from './config.js';
import { describeIssues, type ConfigError } from './config-error.js';
import { envSchema } from './env-schema.js';
import { fileConfigSchema, type FileConfig } from './file-schema.js';
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

function crossCheck(file: FileConfig, executors: readonly { name: string }[]): string[] {
  const problems: string[] = [];
  const hostNames = new Set(['local', ...file.hosts.map((h) => h.name)]);
  const dupes = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);
  for (const n of dupes(file.hosts.map((h) => h.name)))
    problems.push(`hosts: "${n}" is defined twice`);
  for (const n of dupes(file.repos.map((r) => r.name)))
    problems.push(`repos: "${n}" is defined twice`);
  for (const n of dupes(file.users.map((u) => String(u.telegram_id))))
    problems.push(`users: telegram_id ${n} is listed twice`);
  // A user's name is who they are in the audit log and on approval cards.
  for (const n of dupes(file.users.map((u) => u.name)))
    problems.push(`users: the name "${n}" is used twice`);
  file.repos.forEach((r, i) => {
    if (!hostNames.has(r.host)) problems.push(`repos[${i}].host: unknown host "${r.host}"`);
  });
  const executorNames = new Set(executors.map((e) => e.name));
  if (file.default_executor && !executorNames.has(file.default_executor)) {
    problems.push(`default_executor: unknown executor "${file.default_executor}"`);
  }
  return problems;
}

/** Reads env, the optional YAML file and the templates folder once; the result is frozen and passed down. */
export function loadConfig(src: ConfigSources): Result<Config, ConfigError> {
  const env = envSchema.safeParse(src.env);
  if (!env.success)
    return err({ source: 'the environment', problems: describeIssues(env.error.issues) });
  const e = env.data;
  const configFile = e.SWITCHBOARD_CONFIG ? resolve(src.cwd, e.SWITCHBOARD_CONFIG) : null;
  let raw: unknown = {};
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
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length)
      return err({
        source: configFile,
        problems: doc.errors.map((x) => x.message.split('\n')[0] ?? x.message),
      });
    raw = doc.toJS() ?? {};
  }
  const parsed = fileConfigSchema.safeParse(raw);
  if (!parsed.success)
    return err({
      source: configFile ?? 'the built-in defaults',
      problems: describeIssues(parsed.error.issues),
    });
  const file = parsed.data;
  const executors = file.executors
    ? file.executors.map((x) => ({
        name: x.name,
        cli: x.cli,
        model: x.model ?? null,
        router: x.router,
        permissionPrompts: x.permission_prompts,
        price: x.price
          ? { inputPerMtok: x.price.input_per_mtok, outputPerMtok: x.price.output_per_mtok }
          : null,
        estimateUsd: x.estimate_usd,
      }))
    : DEFAULT_EXECUTORS;
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
  const publicUrl = file.public_url?.replace(/\/+$/, '') ?? null;
  const config: Config = {
    version: src.version,
    dataDir,
    host: e.HOST ?? '127.0.0.1',
    port: e.PORT ?? 8787,
    configFile,
    adminToken: e.SWITCHBOARD_ADMIN_TOKEN ?? null,
    database: {
      url: e.DATABASE_URL ?? `file:${resolve(dataDir, 'switchboard.db')}`,
      authToken: e.DATABASE_AUTH_TOKEN ?? null,
    },
    telegram: {
      botToken: e.TELEGRAM_BOT_TOKEN ?? null,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET ?? null,
      apiRoot: e.TELEGRAM_API_ROOT ?? null,
      editEveryMs: file.telegram.edit_interval_ms,
    },
    publicUrl,
    users: file.users,
    hosts: file.hosts,
    repos: file.repos,
    executors,
    defaultExecutor: file.default_executor ?? executors[0]?.name ?? null,
    ladder: file.ladder ?? DEFAULT_LADDER,
    chooser: {
      defaultExecutor: file.chooser.default_executor,
      minRuns: file.chooser.min_runs,
      minSuccessRate: file.chooser.min_success_rate,
    },
    breakers: {
      taskWarnUsd: file.breakers.task_warn_usd,
      taskHaltUsd: file.breakers.task_halt_usd,
      dayBlockUsd: file.breakers.day_block_usd,
      monthFlagUsd: file.breakers.month_flag_usd,
      defaultEstimateUsd: file.breakers.estimate_usd,
      estimateUsd: Object.fromEntries(
        executors.flatMap((x) =>
          'estimateUsd' in x && x.estimateUsd !== undefined ? [[x.name, x.estimateUsd]] : [],
        ),
      ),
    },
    approvalPolicy: {
      approvalTimeoutS: file.approvals.timeout_s,
      shellAllowList: file.approvals.shell_allow_list
        ? file.approvals.shell_allow_list.map((cmd) => cmd.split(/\s+/))
        : DEFAULT_SHELL_ALLOW_LIST,
    },
    templatesDir,
    templates: templates.value,
    taskTimeoutS: file.task_timeout_s,
    permissionTimeoutS: file.approvals.tool_timeout_s,
    leaseS: file.lease_s,
    bodyLimitBytes: file.body_limit_kib * 1024,
    runner: {
      embedded: file.runner.embedded,
      concurrency: file.runner.concurrency,
      worktreeTtlMs: file.runner.worktree_ttl_hours * 3_600_000,
      worktreeMaxBytes: file.runner.worktree_max_mb
        ? file.runner.worktree_max_mb * 1024 * 1024
        : null,
    },
    localEnv: Object.fromEntries(
      LOCAL_ENV.flatMap((k) => (src.env[k] ? [[k, src.env[k]]] : [])),
    ) as Record<string, string>,
    sshAuthSock: e.SSH_AUTH_SOCK ?? null,
    webPush: {
      enabled: file.web_push.enabled,
      subject: e.SWITCHBOARD_VAPID_SUBJECT ?? file.web_push.subject ?? defaultSubject(publicUrl),
      keys:
        e.SWITCHBOARD_VAPID_PUBLIC_KEY && e.SWITCHBOARD_VAPID_PRIVATE_KEY
          ? {
              publicKey: e.SWITCHBOARD_VAPID_PUBLIC_KEY,
              privateKey: e.SWITCHBOARD_VAPID_PRIVATE_KEY,
            }
          : null,
    },
    gateway: {
      url: e.SWITCHBOARD_GATEWAY_URL ?? null,
      runnerToken: e.SWITCHBOARD_RUNNER_TOKEN ?? null,
    },
  };
  return ok(deepFreeze(config));
}

/** Push services want a way to reach the operator; an https public URL will do. */
const defaultSubject = (publicUrl: string | null): string =>
  publicUrl?.startsWith('https://') ? publicUrl : 'mailto:switchboard@example.invalid';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
