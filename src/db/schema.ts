import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import type { ParamValue } from '../core/task.js';

// Ids are UUIDv7 text, times ISO 8601 UTC text (they sort as strings), rows are soft-deleted.
const createdAt = () => text('created_at').notNull();
const deletedAt = () => text('deleted_at');

export const tasks = sqliteTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    executor: text('executor'),
    host: text('host'),
    repo: text('repo'),
    environment: text('environment'),
    template: text('template'),
    params: text('params', { mode: 'json' })
      .$type<Record<string, ParamValue>>()
      .notNull()
      .default(sql`'{}'`),
    prompt: text('prompt'),
    argv: text('argv', { mode: 'json' }).$type<string[]>(),
    risk: text('risk').notNull(),
    gate: text('gate').notNull(),
    riskReason: text('risk_reason').notNull(),
    idempotent: integer('idempotent', { mode: 'boolean' }).notNull().default(false),
    budgetUsd: real('budget_usd'),
    continuesTaskId: text('continues_task_id'),
    resumeSessionId: text('resume_session_id'),
    /** An agent task that climbs the escalation ladder on a verified failure (SPEC §3.3). */
    escalate: integer('escalate', { mode: 'boolean' }).notNull().default(false),
    timeoutS: integer('timeout_s').notNull(),
    costUsd: real('cost_usd').notNull().default(0),
    tokensIn: integer('tokens_in').notNull().default(0),
    tokensOut: integer('tokens_out').notNull().default(0),
    requester: text('requester').notNull(),
    channel: text('channel').notNull(),
    attempts: integer('attempts').notNull().default(0),
    fencingToken: integer('fencing_token').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: text('lease_expires_at'),
    // Set by every write; the dependent writes of a batch are tied to it (see task-change.ts).
    changeId: text('change_id').notNull(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
    finishedAt: text('finished_at'),
    deletedAt: deletedAt(),
  },
  // One secondary index: every task write pays for each index it touches. Queue order and
  // filters use (status, id); running tasks (leases, change_id lookups) are few, so they
  // are found through it too.
  (t) => [index('tasks_status_id').on(t.status, t.id)],
);

export const stages = sqliteTable(
  'stages',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id),
    attempt: integer('attempt').notNull(),
    fencingToken: integer('fencing_token').notNull(),
    runnerId: text('runner_id').notNull(),
    executor: text('executor'),
    model: text('model'),
    host: text('host'),
    outcome: text('outcome').notNull(),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    errorClass: text('error_class'),
    latencyMs: integer('latency_ms'),
    tokensIn: integer('tokens_in').notNull().default(0),
    tokensOut: integer('tokens_out').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    stdoutTail: text('stdout_tail'),
    stderrTail: text('stderr_tail'),
    summary: text('summary'),
    outputPath: text('output_path'),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
    deletedAt: deletedAt(),
    sessionId: text('session_id'),
    /** An agent on a repo: the diff of its worktree from where the attempt began (capped). */
    changesDiff: text('changes_diff'),
  },
  (t) => [index('stages_task').on(t.taskId, t.attempt)],
);

/**
 * The capped output of an attempt (SPEC: 10 MiB, head and tail kept), apart from `stages` so
 * that listing stages never reads megabytes of text. Written with the stage's completion.
 */
export const stageOutputs = sqliteTable('stage_outputs', {
  stageId: text('stage_id')
    .primaryKey()
    .references(() => stages.id),
  stdoutBytes: integer('stdout_bytes').notNull(),
  stderrBytes: integer('stderr_bytes').notNull(),
  truncated: integer('truncated', { mode: 'boolean' }).notNull(),
});

/**
 * The stored text in pieces of at most OUTPUT_CHUNK_CHARS: binding one 5 MiB value cost the
 * writer about four times its size in native memory at once (libSQL's copy, SQLite's record
 * and pages); pieces keep that peak small and let a reader page through long output.
 */
export const stageOutputChunks = sqliteTable(
  'stage_output_chunks',
  {
    stageId: text('stage_id')
      .notNull()
      .references(() => stageOutputs.stageId),
    stream: text('stream', { enum: ['stdout', 'stderr'] }).notNull(),
    seq: integer('seq').notNull(),
    text: text('text').notNull(),
  },
  (t) => [primaryKey({ columns: [t.stageId, t.stream, t.seq] })],
);

/** Pipeline state (SPEC §3.9), one row per pipeline task; `version` guards every update. */
export const pipelines = sqliteTable(
  'pipelines',
  {
    taskId: text('task_id')
      .primaryKey()
      .references(() => tasks.id),
    status: text('status').notNull(),
    currentStep: integer('current_step').notNull(),
    steps: text('steps', { mode: 'json' }).$type<unknown>().notNull(),
    version: integer('version').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('pipelines_status').on(t.status, t.taskId)],
);

export const approvals = sqliteTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id),
    gate: text('gate').notNull(),
    requiredPhrase: text('required_phrase'),
    status: text('status').notNull(),
    scope: text('scope').notNull(),
    requestedAt: text('requested_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    decidedBy: text('decided_by'),
    decidedChannel: text('decided_channel'),
    decidedAt: text('decided_at'),
    reason: text('reason'),
    deletedAt: deletedAt(),
  },
  (t) => [
    index('approvals_task').on(t.taskId),
    index('approvals_pending').on(t.status, t.expiresAt),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    channel: text('channel').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('audit_subject').on(t.subject, t.at)],
);

export const circuitBreakers = sqliteTable('circuit_breakers', {
  key: text('key').primaryKey(),
  scope: text('scope').notNull(),
  period: text('period').notNull(),
  thresholdUsd: real('threshold_usd').notNull(),
  spentUsd: real('spent_usd').notNull().default(0),
  reservedUsd: real('reserved_usd').notNull().default(0),
  state: text('state').notNull(),
  overriddenBy: text('overridden_by'),
  updatedAt: text('updated_at').notNull(),
});

export const modelStats = sqliteTable(
  'model_stats',
  {
    executor: text('executor').notNull(),
    taskKind: text('task_kind').notNull(),
    runs: integer('runs').notNull().default(0),
    successes: integer('successes').notNull().default(0),
    failures: integer('failures').notNull().default(0),
    totalCostUsd: real('total_cost_usd').notNull().default(0),
    totalLatencyMs: integer('total_latency_ms').notNull().default(0),
    totalTokens: integer('total_tokens').notNull().default(0),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.executor, t.taskKind] })],
);

export const checkpoints = sqliteTable(
  'checkpoints',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id),
    stageId: text('stage_id'),
    name: text('name').notNull(),
    data: text('data', { mode: 'json' }).$type<unknown>().notNull(),
    createdAt: createdAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index('checkpoints_task').on(t.taskId)],
);

export const decisions = sqliteTable(
  'decisions',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id),
    kind: text('kind').notNull(),
    decision: text('decision').notNull(),
    reason: text('reason'),
    decidedBy: text('decided_by').notNull(),
    createdAt: createdAt(),
    deletedAt: deletedAt(),
  },
  (t) => [index('decisions_task').on(t.taskId)],
);

export const transcripts = sqliteTable(
  'transcripts',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id),
    stageId: text('stage_id'),
    seq: integer('seq').notNull(),
    stream: text('stream').notNull(),
    content: text('content').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('transcripts_stage_seq').on(t.stageId, t.seq)],
);

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  telegramId: integer('telegram_id').unique(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  createdAt: createdAt(),
  deletedAt: deletedAt(),
});

export const hosts = sqliteTable('hosts', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  address: text('address').notNull(),
  port: integer('port').notNull().default(22),
  user: text('user').notNull(),
  keyFile: text('key_file'),
  hostKey: text('host_key'),
  maxSessions: integer('max_sessions').notNull().default(10),
  labels: text('labels', { mode: 'json' })
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'`),
  createdAt: createdAt(),
  updatedAt: text('updated_at').notNull(),
  deletedAt: deletedAt(),
});

export const runners = sqliteTable('runners', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  version: text('version'),
  hosts: text('hosts', { mode: 'json' }).$type<string[]>(),
  lastSeenAt: text('last_seen_at').notNull(),
  createdAt: createdAt(),
  deletedAt: deletedAt(),
  /** SHA-256 of the runner's bearer token; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').unique(),
});

/** Telegram redelivers; an update is persisted here before it is acknowledged (dedupe by id). */
export const telegramUpdates = sqliteTable(
  'telegram_updates',
  {
    updateId: integer('update_id').primaryKey(),
    chatId: integer('chat_id'),
    status: text('status').notNull(),
    payload: text('payload', { mode: 'json' }).$type<unknown>().notNull(),
    receivedAt: text('received_at').notNull(),
    processedAt: text('processed_at'),
  },
  (t) => [index('telegram_updates_status').on(t.status, t.updateId)],
);

/** Where a chat last worked, the question it has open, and whether it wants alerts. */
export const chats = sqliteTable('chats', {
  chatId: integer('chat_id').primaryKey(),
  lastHost: text('last_host'),
  lastRepo: text('last_repo'),
  pending: text('pending', { mode: 'json' }).$type<unknown>(),
  subscribed: integer('subscribed', { mode: 'boolean' }).notNull().default(false),
  updatedAt: text('updated_at').notNull(),
});

/** Bot messages that show a task (progress message, approval cards), edited as it moves on. */
export const chatMessages = sqliteTable(
  'chat_messages',
  {
    chatId: integer('chat_id').notNull(),
    messageId: integer('message_id').notNull(),
    taskId: text('task_id').notNull(),
    kind: text('kind').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.chatId, t.messageId] }),
    index('chat_messages_task').on(t.taskId),
  ],
);

/** One-time web app sign-in links (/login); only the SHA-256 of the secret is kept. */
export const loginLinks = sqliteTable('login_links', {
  tokenHash: text('token_hash').primaryKey(),
  userName: text('user_name').notNull(),
  createdAt: createdAt(),
  expiresAt: text('expires_at').notNull(),
  usedAt: text('used_at'),
});

/** Web app sessions (the PWA's cookie); only the SHA-256 of the cookie's secret is kept. */
export const webSessions = sqliteTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userName: text('user_name').notNull(),
    /** link | admin_token */
    method: text('method').notNull(),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('web_sessions_expires').on(t.expiresAt)],
);

/** Static tokens for programs (MCP clients, scripts): only the SHA-256 is stored. */
export const apiClients = sqliteTable(
  'api_clients',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('api_clients_name').on(t.name)],
);

/** An MCP client's unit of work (SPEC §3.6): init → spec → execute → write → close. */
export const workflows = sqliteTable(
  'workflows',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    goal: text('goal'),
    /** Acceptance criteria recorded by `spec`. */
    acceptance: text('acceptance', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    status: text('status').notNull(),
    verdict: text('verdict'),
    verdictNotes: text('verdict_notes'),
    requester: text('requester').notNull(),
    channel: text('channel').notNull(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
    closedAt: text('closed_at'),
  },
  (t) => [index('workflows_requester').on(t.requester, t.id)],
);

/** A workflow's stages: each execution it started (by task) and each stage its client logged. */
export const workflowStages = sqliteTable(
  'workflow_stages',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id')
      .notNull()
      .references(() => workflows.id),
    seq: integer('seq').notNull(),
    /** 'execution' (a task it ran) or 'log' (written by the client with `write`). */
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    taskId: text('task_id'),
    executor: text('executor'),
    outcome: text('outcome'),
    output: text('output'),
    costUsd: real('cost_usd').notNull().default(0),
    latencyMs: integer('latency_ms'),
    tokensIn: integer('tokens_in').notNull().default(0),
    tokensOut: integer('tokens_out').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('workflow_stages_seq').on(t.workflowId, t.seq),
    index('workflow_stages_task').on(t.taskId),
  ],
);

/** An agent's tool-use permission request (claude --permission-prompt-tool), decided in chat. */
export const permissionRequests = sqliteTable(
  'permission_requests',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id'),
    toolName: text('tool_name').notNull(),
    input: text('input', { mode: 'json' }).$type<unknown>().notNull(),
    /** pending | allowed | denied | expired */
    status: text('status').notNull(),
    requester: text('requester').notNull(),
    decidedBy: text('decided_by'),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
    decidedAt: text('decided_at'),
  },
  (t) => [index('permission_requests_status').on(t.status, t.expiresAt)],
);

/** OAuth clients from dynamic registration (RFC 7591); they expire unless used. */
export const oauthClients = sqliteTable(
  'oauth_clients',
  {
    clientId: text('client_id').primaryKey(),
    name: text('name').notNull(),
    redirectUris: text('redirect_uris', { mode: 'json' }).$type<string[]>().notNull(),
    /** SHA-256 of the client secret; null for public clients (PKCE only). */
    secretHash: text('secret_hash'),
    metadata: text('metadata', { mode: 'json' }).$type<unknown>().notNull(),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
    /** The address bucket that registered it (per-source registration limit). */
    source: text('source'),
  },
  (t) => [
    index('oauth_clients_created').on(t.createdAt),
    index('oauth_clients_source').on(t.source, t.createdAt),
  ],
);

/** An authorization request waiting for the owner's consent, then the code it was granted. */
export const oauthGrants = sqliteTable(
  'oauth_grants',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    codeChallenge: text('code_challenge').notNull(),
    state: text('state'),
    scope: text('scope').notNull(),
    resource: text('resource').notNull(),
    /** SHA-256 of the secret that binds the waiting page to the browser that asked. */
    browserHash: text('browser_hash').notNull(),
    /** pending | allowed | denied | expired | used */
    status: text('status').notNull(),
    subject: text('subject'),
    codeHash: text('code_hash').unique(),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
    decidedAt: text('decided_at'),
    usedAt: text('used_at'),
    /** The address bucket of the browser that asked (per-source pending limit). */
    source: text('source'),
  },
  (t) => [
    index('oauth_grants_status').on(t.status, t.expiresAt),
    index('oauth_grants_client').on(t.clientId, t.status, t.expiresAt),
    index('oauth_grants_source').on(t.source, t.status, t.expiresAt),
  ],
);

/** Access and refresh tokens, by SHA-256; refresh tokens rotate within a family. */
export const oauthTokens = sqliteTable(
  'oauth_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    /** access | refresh */
    kind: text('kind').notNull(),
    clientId: text('client_id').notNull(),
    subject: text('subject').notNull(),
    scope: text('scope').notNull(),
    resource: text('resource').notNull(),
    familyId: text('family_id').notNull(),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
    /** A refresh token is spent once; presenting it again revokes its whole family. */
    usedAt: text('used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('oauth_tokens_family').on(t.familyId)],
);

/** Web Push subscriptions of the PWA (one per browser endpoint), deleted when they die. */
export const pushSubscriptions = sqliteTable(
  'push_subscriptions',
  {
    id: text('id').primaryKey(),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    userName: text('user_name').notNull(),
    role: text('role').notNull(),
    createdAt: createdAt(),
    lastSuccessAt: text('last_success_at'),
    failureCount: integer('failure_count').notNull().default(0),
  },
  (t) => [uniqueIndex('push_subscriptions_endpoint').on(t.endpoint)],
);
