import type { ApprovalPolicy } from './approval-policy.js';
import type { BreakerLimits } from './breaker.js';
import type { ApprovalStore } from './ports/approval-store.js';
import type { AuditLog } from './ports/audit-log.js';
import type { BreakerStore } from './ports/breaker-store.js';
import type { Clock } from './ports/clock.js';
import type { IdGen } from './ports/id-gen.js';
import type { IntentRouter } from './ports/intent-router.js';
import type { JobQueue } from './ports/job-queue.js';
import type { ModelStatsStore } from './ports/model-stats-store.js';
import type { Notifier } from './ports/notifier.js';
import type { PermissionStore } from './ports/permission-store.js';
import type { PipelineStore } from './ports/pipeline-store.js';
import type { StageStore } from './ports/stage-store.js';
import type { TaskStore } from './ports/task-store.js';
import type { WorkflowStore } from './ports/workflow-store.js';
import type { Vocabulary } from './intent/vocabulary.js';
import type { Catalog } from './task-draft.js';
import type { ChooserSettings } from './chooser.js';

export interface Stores {
  readonly tasks: TaskStore;
  readonly stages: StageStore;
  readonly approvals: ApprovalStore;
  readonly audit: AuditLog;
  readonly breakers: BreakerStore;
  readonly queue: JobQueue;
  readonly pipelines: PipelineStore;
  readonly workflows: WorkflowStore;
  readonly modelStats: ModelStatsStore;
  /** Agents' tool-use permission requests (claude --permission-prompt-tool). */
  readonly permissions: PermissionStore;
}

export interface CoreSettings {
  readonly policy: ApprovalPolicy;
  readonly catalog: Catalog;
  /** The names and aliases the intent parser recognises in chat messages. */
  readonly vocabulary: Vocabulary;
  readonly breakerLimits: BreakerLimits;
  /** The escalation ladder: executor names, `consensus` and `human` (SPEC §3.3). */
  readonly ladder: readonly string[];
  readonly leaseS: number;
  /** Attempts an idempotent task gets before a lost lease makes it `lost` for good. */
  readonly maxAttempts: number;
  /** The chooser as the default executor of agent tasks that name none; off when absent. */
  readonly chooser?: ChooserSettings | undefined;
}

/** Everything a use case may touch. Each use case asks for the slice it needs. */
export interface CoreDeps extends Stores, CoreSettings {
  readonly clock: Clock;
  readonly ids: IdGen;
  readonly notifier: Notifier;
  /** An LLM for messages the intent rules are unsure about; absent unless one is configured. */
  readonly intentRouter?: IntentRouter | null | undefined;
}

export const DEFAULT_LEASE_S = 30;
export const DEFAULT_MAX_ATTEMPTS = 3;
