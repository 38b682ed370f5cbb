import { z } from 'zod';
import { ROLES } from '../../core/actor.js';
import { modelNameSchema } from '../../core/cli-values.js';
import { isHostPattern } from '../../core/push/endpoint-policy.js';

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name of letters, digits, ".", "_" or "-"');
const usd = z.number().nonnegative();

const word = z.string().min(1).max(256);

/**
 * One gateless command. A string ("git status") is exactly that argv, nothing added. The
 * object form declares what may follow: `args`, words taken as they are (flags like -s), and
 * `paths: true`, any word that does not start with "-" (so it can never be a flag).
 */
export const allowListEntrySchema = z.union([
  z.string().trim().min(1).max(256),
  z.strictObject({
    argv: z.array(word).min(1).max(16),
    args: z.array(word).max(64).default([]),
    paths: z.boolean().default(false),
  }),
]);

export const userSchema = z.strictObject({
  telegram_id: z.number().int().positive(),
  name: z.string().min(1).max(64),
  role: z.enum(
    ROLES.filter((r) => r === 'owner' || r === 'approver' || r === 'viewer') as [
      'owner',
      'approver',
      'viewer',
    ],
  ),
});

export const hostSchema = z.strictObject({
  name: name.refine(
    (n) => n !== 'local',
    '"local" is built in (it runs on this machine without SSH)',
  ),
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535).default(22),
  user: z.string().min(1).max(64),
  key_file: z.string().min(1).optional(),
  host_key: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'a pinned fingerprint like "SHA256:…" (ssh-keygen -lf)')
    .optional(),
  known_hosts: z.string().min(1).optional(),
  max_sessions: z.number().int().min(1).max(64).default(8),
  labels: z.array(z.string().min(1).max(64)).default([]),
});

export const repoSchema = z.strictObject({
  name,
  host: name,
  path: z.string().min(1),
  aliases: z.array(z.string().min(1).max(64)).default([]),
});

export const executorSchema = z.strictObject({
  name,
  cli: z.string().min(1).max(64),
  // Goes into the CLI's argv: the shape of a model name, never something like a flag.
  model: modelNameSchema.optional(),
  router: z.boolean().default(false),
  /** claude only: tool uses not already allowed become Approve once / Deny cards in Telegram. */
  permission_prompts: z.boolean().default(false),
  /** USD per million tokens: the cost of CLIs that print tokens only (codex, gemini). */
  price: z.strictObject({ input_per_mtok: usd, output_per_mtok: usd }).optional(),
  /** Reserved on the day's breaker before a task starts (default breakers.estimate_usd). */
  estimate_usd: usd.optional(),
});

/** The YAML file of SPEC §4. Keys are strict so a typo is an error, not a silent default. */
export const fileConfigSchema = z.strictObject({
  users: z.array(userSchema).default([]),
  hosts: z.array(hostSchema).default([]),
  repos: z.array(repoSchema).default([]),
  executors: z.array(executorSchema).optional(),
  default_executor: name.optional(),
  ladder: z.array(name).optional(),
  /**
   * The executor chooser (cheapest executor with enough successes): its thresholds, and with
   * default_executor: true, the executor of agent tasks that name none (falling back to
   * default_executor while it has too few runs to go on).
   */
  chooser: z
    .strictObject({
      default_executor: z.boolean().default(false),
      min_runs: z.number().int().min(1).max(1_000_000).default(5),
      min_success_rate: z.number().min(0).max(1).default(0.8),
    })
    .default({ default_executor: false, min_runs: 5, min_success_rate: 0.8 }),
  breakers: z
    .strictObject({
      task_warn_usd: usd.default(2),
      task_halt_usd: usd.default(5),
      day_block_usd: usd.default(20),
      month_flag_usd: usd.default(80),
      /** What an agent task reserves when its executor names no estimate_usd. */
      estimate_usd: usd.default(0.5),
    })
    .default({
      task_warn_usd: 2,
      task_halt_usd: 5,
      day_block_usd: 20,
      month_flag_usd: 80,
      estimate_usd: 0.5,
    }),
  approvals: z
    .strictObject({
      timeout_s: z
        .number()
        .int()
        .min(10)
        .max(7 * 24 * 3600)
        .default(600),
      /** How long an agent's tool-use permission request waits for a tap before it is denied. */
      tool_timeout_s: z.number().int().min(1).max(600).optional(),
      /** Read-only commands that run without a gate; replaces the default list when given. */
      shell_allow_list: z.array(allowListEntrySchema).max(200).optional(),
    })
    .default({ timeout_s: 600 }),
  /** Relative to this file; without it a missing ./templates folder just means no templates. */
  templates_dir: z.string().min(1).optional(),
  task_timeout_s: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(180),
  lease_s: z.number().int().min(5).max(3600).default(30),
  body_limit_kib: z.number().int().min(1).max(10_240).default(256),
  /** Where this gateway is reachable from the internet: Telegram webhook and PWA links. */
  public_url: z
    .url()
    .refine((u) => u.startsWith('https://') || u.startsWith('http://'), 'an http(s) URL')
    .optional(),
  telegram: z
    .strictObject({
      /** Live progress edits per message at most this often (Telegram rate-limits edits). */
      edit_interval_ms: z.number().int().min(50).max(60_000).default(3_000),
    })
    .default({ edit_interval_ms: 3_000 }),
  /** Notifications to the web app on phones and desktops (VAPID keys: env or the data dir). */
  web_push: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Who runs this server, for push services to contact: mailto: or https: (RFC 8292). */
      subject: z
        .string()
        .regex(/^(mailto:.+@.+|https:\/\/.+)$/, 'a mailto: address or an https: URL')
        .optional(),
      /**
       * Push services the server may POST to: `host`, `*.suffix`, or `*` for any public host.
       * The default is the browsers' own push services.
       */
      allowed_hosts: z
        .array(
          z
            .string()
            .max(253)
            .transform((h) => h.toLowerCase())
            .refine(isHostPattern, 'a host name, *.suffix, or *'),
        )
        .min(1)
        .max(50)
        .optional(),
      /** Let push hosts resolve to loopback/private addresses (a push service on the LAN). */
      allow_private_addresses: z.boolean().default(false),
    })
    .default({ enabled: true, allow_private_addresses: false }),
  runner: z
    .strictObject({
      /** Run tasks inside `switchboard start`; off when only runner services run them. */
      embedded: z.boolean().default(true),
      concurrency: z.number().int().min(1).max(64).default(2),
      /** Clean task worktrees older than this are removed by the hourly sweep. */
      worktree_ttl_hours: z
        .number()
        .min(1)
        .max(24 * 365)
        .default(168),
      /** Optional disk quota per repo for task worktrees (oldest clean ones go first). */
      worktree_max_mb: z.number().int().min(1).optional(),
    })
    .default({ embedded: true, concurrency: 2, worktree_ttl_hours: 168 }),
});

export type FileConfig = z.infer<typeof fileConfigSchema>;
