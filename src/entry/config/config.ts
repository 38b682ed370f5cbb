import type { ApprovalPolicy } from '../../core/approval-policy.js';
import type { BreakerLimits } from '../../core/breaker.js';
import type { ChooserSettings } from '../../core/chooser.js';
import type { PushHostPolicy } from '../../core/push/endpoint-policy.js';
import type { Catalog } from '../../core/task-draft.js';
import type { TaskTemplate } from '../../core/template.js';
import type { FileConfig } from './file-schema.js';

export interface ExecutorConfig {
  readonly name: string;
  readonly cli: string;
  readonly model: string | null;
  readonly router: boolean;
  /** Ask for tool-use permission in Telegram (claude --permission-prompt-tool). */
  readonly permissionPrompts?: boolean | undefined;
  /** USD per million tokens, for CLIs that print no cost of their own. */
  readonly price?: { readonly inputPerMtok: number; readonly outputPerMtok: number } | null;
  /** Reserved on the day's breaker before a task of this executor starts. */
  readonly estimateUsd?: number | undefined;
}

/** Everything the process runs with, parsed once and frozen. */
export interface Config {
  readonly version: string;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly configFile: string | null;
  readonly adminToken: string | null;
  readonly database: { readonly url: string; readonly authToken: string | null };
  readonly telegram: {
    readonly botToken: string | null;
    readonly webhookSecret: string | null;
    readonly apiRoot: string | null;
    readonly editEveryMs: number;
  };
  /** The gateway's public base URL: Telegram webhook mode and PWA links; null = long polling. */
  readonly publicUrl: string | null;
  readonly users: FileConfig['users'];
  readonly hosts: FileConfig['hosts'];
  readonly repos: FileConfig['repos'];
  readonly executors: readonly ExecutorConfig[];
  readonly defaultExecutor: string | null;
  readonly ladder: readonly string[];
  readonly chooser: ChooserSettings;
  readonly breakers: BreakerLimits;
  readonly approvalPolicy: ApprovalPolicy;
  readonly templatesDir: string;
  /** Loaded from templatesDir at startup (SPEC §3.8). */
  readonly templates: readonly TaskTemplate[];
  readonly taskTimeoutS: number;
  /** How long an agent's tool-use permission request waits for a tap (s). */
  readonly permissionTimeoutS?: number | undefined;
  readonly leaseS: number;
  readonly bodyLimitBytes: number;
  readonly runner: {
    readonly embedded: boolean;
    readonly concurrency: number;
    readonly worktreeTtlMs: number;
    readonly worktreeMaxBytes: number | null;
  };
  /** Variables the `local` host passes to commands (an allow-list of the gateway's env). */
  readonly localEnv: Readonly<Record<string, string>>;
  /** ssh-agent socket for hosts without a key_file. */
  readonly sshAuthSock: string | null;
  /** Web Push: keys null means generate (or load) them in the data dir. */
  readonly webPush: {
    readonly enabled: boolean;
    readonly subject: string;
    readonly keys: { readonly publicKey: string; readonly privateKey: string } | null;
    /** Which push services the server will POST to (endpoint-policy.ts). */
    readonly pushHosts: PushHostPolicy;
  };
  /** For `switchboard runner`: the gateway to pull work from, and this runner's token. */
  readonly gateway: { readonly url: string | null; readonly runnerToken: string | null };
}

/** The executors SPEC §4 names, so a fresh install can take agent requests at once. */
export const DEFAULT_EXECUTORS: readonly ExecutorConfig[] = [
  { name: 'claude-sonnet', cli: 'claude', model: 'sonnet', router: false },
  { name: 'codex', cli: 'codex', model: null, router: false },
  { name: 'gemini-flash', cli: 'gemini', model: 'gemini-2.5-flash', router: false },
];

export { DEFAULT_LADDER } from '../../core/escalation.js';

/** The names a request may refer to, as the core sees them. */
export function catalogOf(config: Config): Catalog {
  return {
    hosts: ['local', ...config.hosts.map((h) => h.name)],
    executors: config.executors.map((e) => e.name),
    repos: config.repos.map((r) => ({ name: r.name, host: r.host })),
    templates: config.templates,
    defaultExecutor: config.defaultExecutor,
    defaultTimeoutS: config.taskTimeoutS,
  };
}
