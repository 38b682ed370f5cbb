import type { Pipeline } from '../core/pipeline.js';
import type { Approval } from '../core/approval.js';
import type { AuditEvent } from '../core/audit.js';
import { executorReasonOf } from '../core/use-cases/default-executor.js';
import type { Breaker } from '../core/breaker.js';
import type { Stage } from '../core/stage.js';
import type { DraftSoFar } from '../core/intent/parse-request.js';
import type { TaskDraft } from '../core/task-draft.js';
import type { Task } from '../core/task.js';
import type { ParseOutcome } from '../core/use-cases/parse-text.js';
import type { TaskDetail } from '../core/use-cases/get-task.js';
import type { TaskOutput } from '../core/use-cases/get-task-output.js';

// Wire casing (snake_case) lives here and nowhere else.

export const presentTask = (t: Task) => ({
  id: t.id,
  kind: t.kind,
  status: t.status,
  executor: t.executor,
  host: t.host,
  repo: t.repo,
  environment: t.environment,
  template: t.template,
  params: t.params,
  prompt: t.prompt,
  argv: t.argv,
  risk: t.risk,
  gate: t.gate,
  risk_reason: t.riskReason,
  idempotent: t.idempotent,
  budget_usd: t.budgetUsd,
  continues_task_id: t.continuesTaskId,
  timeout_s: t.timeoutS,
  cost_usd: t.costUsd,
  tokens_in: t.tokensIn,
  tokens_out: t.tokensOut,
  requester: t.requester,
  channel: t.channel,
  attempts: t.attempts,
  lease: t.leaseOwner
    ? { runner: t.leaseOwner, expires_at: t.leaseExpiresAt, fencing_token: t.fencingToken }
    : null,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
  finished_at: t.finishedAt,
});

export const presentStage = (s: Stage) => ({
  id: s.id,
  attempt: s.attempt,
  runner: s.runnerId,
  executor: s.executor,
  model: s.model,
  host: s.host,
  outcome: s.outcome,
  exit_code: s.exitCode,
  signal: s.signal,
  error_class: s.errorClass,
  latency_ms: s.latencyMs,
  tokens_in: s.tokensIn,
  tokens_out: s.tokensOut,
  cost_usd: s.costUsd,
  stdout_tail: s.stdoutTail,
  stderr_tail: s.stderrTail,
  summary: s.summary,
  output_path: s.outputPath,
  session_id: s.sessionId,
  changes_diff: s.changesDiff,
  started_at: s.startedAt,
  finished_at: s.finishedAt,
});

export const presentApproval = (a: Approval) => ({
  id: a.id,
  gate: a.gate,
  required_phrase: a.requiredPhrase,
  status: a.status,
  scope: a.scope,
  requested_at: a.requestedAt,
  expires_at: a.expiresAt,
  decided_by: a.decidedBy,
  decided_channel: a.decidedChannel,
  decided_at: a.decidedAt,
  reason: a.reason,
});

export const presentAudit = (e: AuditEvent) => ({
  id: e.id,
  at: e.at,
  actor: e.actor,
  channel: e.channel,
  action: e.action,
  detail: e.detail,
});

export const presentTaskDetail = (d: TaskDetail) => ({
  ...presentTask(d.task),
  // Set when the chooser picked the executor (chooser.default_executor): why, in one line.
  executor_reason: executorReasonOf(d.audit),
  stages: d.stages.map(presentStage),
  approvals: d.approvals.map(presentApproval),
  audit: d.audit.map(presentAudit),
  ...(d.pipeline ? { pipeline: presentPipeline(d.pipeline) } : {}),
});

export const presentPipeline = (p: Pipeline) => ({
  status: p.status,
  current_step: p.currentStep,
  steps: p.steps.map((s) => ({
    name: s.name,
    gate: s.gate,
    host: s.host,
    argv: s.argv,
    task_id: s.taskId,
    outcome: s.outcome,
    cost_usd: s.costUsd,
    handoff: s.handoff,
  })),
  updated_at: p.updatedAt,
});

export const presentTaskOutput = (o: TaskOutput) => ({
  task_id: o.taskId,
  attempt: o.attempt,
  stdout: o.output.stdout,
  stderr: o.output.stderr,
  stdout_bytes: o.output.stdoutBytes,
  stderr_bytes: o.output.stderrBytes,
  truncated: o.output.truncated,
});

export const presentBreaker = (b: Breaker) => ({
  scope: b.scope,
  period: b.period,
  state: b.state,
  spent_usd: b.spentUsd,
  reserved_usd: b.reservedUsd,
  threshold_usd: b.thresholdUsd,
  overridden_by: b.overriddenBy,
});

/** What a message would become, for POST /api/parse and `switchboard parse --json`. */
export function presentParseOutcome(o: ParseOutcome) {
  switch (o.type) {
    case 'task':
      return {
        type: o.type,
        draft: presentDraft(o.draft),
        consensus: o.consensus,
        confidence: o.confidence,
        echo: o.echo,
        assumptions: o.assumptions,
        guess: o.guess,
        risk: o.assessment.risk,
        gate: o.assessment.gate,
        risk_reason: o.assessment.reason,
      };
    case 'query':
      return { type: o.type, query: o.query, echo: o.echo };
    case 'clarify':
      return {
        type: o.type,
        field: o.field,
        question: o.question,
        choices: o.choices,
        draft: presentDraft(o.draft),
        missing: o.missing,
        echo: o.echo,
      };
    case 'unusable':
      return { type: o.type, reason: o.reason };
    case 'chatter':
      return { type: o.type, reply: o.reply };
  }
}

/** A draft on the wire: SPEC §4 names (timeout_s, budget_usd), absent fields left out. */
const presentDraft = (d: DraftSoFar | TaskDraft) => {
  const { timeoutS, budgetUsd, ...rest } = d as DraftSoFar & {
    timeoutS?: number;
    budgetUsd?: number;
  };
  return {
    ...rest,
    ...(timeoutS === undefined ? {} : { timeout_s: timeoutS }),
    ...(budgetUsd === undefined ? {} : { budget_usd: budgetUsd }),
  };
};
