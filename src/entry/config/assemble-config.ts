import { parseDocument } from 'yaml';
import { allowCommand, DEFAULT_SHELL_ALLOW_LIST } from '../../core/approval-policy.js';
import { BROWSER_PUSH_HOSTS } from '../../core/push/endpoint-policy.js';
import type { TaskTemplate } from '../../core/template.js';
import { DEFAULT_EXECUTORS, DEFAULT_LADDER, type Config, type ExecutorConfig } from './config.js';
import type { Env } from './env-schema.js';
import { err, ok, type Result } from '../../core/result.js';
import { describeIssues, type ConfigError } from './config-error.js';
import { fileConfigSchema, type FileConfig } from './file-schema.js';

/**
 * What is left of loading the config once the runtime has found its pieces: Node reads a file
 * and a templates folder (load-config.ts), a Worker gets text from its bindings
 * (worker-config.ts). No I/O here, so both share one meaning of every setting.
 */
export interface ConfigParts {
  readonly version: string;
  readonly env: Env;
  readonly file: FileConfig;
  readonly executors: readonly ExecutorConfig[];
  readonly configFile: string | null;
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly templatesDir: string;
  readonly templates: readonly TaskTemplate[];
  readonly localEnv: Readonly<Record<string, string>>;
}

/** The YAML text (empty: the defaults), checked against the schema; `source` names it in errors. */
export function parseFileConfig(text: string, source: string): Result<FileConfig, ConfigError> {
  let raw: unknown = {};
  if (text.trim() !== '') {
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length)
      return err({
        source,
        problems: doc.errors.map((x) => x.message.split('\n')[0] ?? x.message),
      });
    raw = doc.toJS() ?? {};
  }
  const parsed = fileConfigSchema.safeParse(raw);
  return parsed.success
    ? ok(parsed.data)
    : err({ source, problems: describeIssues(parsed.error.issues) });
}

export function executorsOf(file: FileConfig): readonly ExecutorConfig[] {
  return file.executors
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
}

/** Names that must refer to each other; problems are reported all at once. */
export function crossCheck(file: FileConfig, executors: readonly { name: string }[]): string[] {
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

/** The frozen Config from its parts. */
export function assembleConfig(parts: ConfigParts): Config {
  const { env: e, file, executors } = parts;
  const publicUrl = file.public_url?.replace(/\/+$/, '') ?? null;
  const config: Config = {
    version: parts.version,
    dataDir: parts.dataDir,
    host: e.HOST ?? '127.0.0.1',
    port: e.PORT ?? 8787,
    configFile: parts.configFile,
    adminToken: e.SWITCHBOARD_ADMIN_TOKEN ?? null,
    database: {
      url: parts.databaseUrl,
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
        ? file.approvals.shell_allow_list.map((entry) =>
            typeof entry === 'string'
              ? allowCommand(entry.split(/\s+/))
              : allowCommand(entry.argv, entry.args, entry.paths),
          )
        : DEFAULT_SHELL_ALLOW_LIST,
    },
    templatesDir: parts.templatesDir,
    templates: parts.templates,
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
    localEnv: parts.localEnv,
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
      pushHosts: {
        allowedHosts: file.web_push.allowed_hosts ?? BROWSER_PUSH_HOSTS,
        allowPrivateAddresses: file.web_push.allow_private_addresses,
      },
    },
    gateway: {
      url: e.SWITCHBOARD_GATEWAY_URL ?? null,
      runnerToken: e.SWITCHBOARD_RUNNER_TOKEN ?? null,
    },
  };
  return deepFreeze(config);
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
