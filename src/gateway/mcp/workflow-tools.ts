import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Actor } from '../../core/actor.js';
import { DEFAULT_CHOOSER } from '../../core/chooser.js';
import type { CoreDeps } from '../../core/deps.js';
import type { ModelStatView } from '../../core/model-stats.js';
import { closeWorkflow } from '../../core/use-cases/close-workflow.js';
import {
  compareWorkflowStages,
  type StageComparison,
} from '../../core/use-cases/compare-workflow-stages.js';
import { initWorkflow } from '../../core/use-cases/init-workflow.js';
import { listModelStats, recommendExecutor } from '../../core/use-cases/query-model-stats.js';
import { specWorkflow } from '../../core/use-cases/spec-workflow.js';
import { summarizeWorkflow, type StageView } from '../../core/use-cases/summarize-workflow.js';
import { getWorkflowState } from '../../core/use-cases/workflow-state.js';
import { writeWorkflowStage } from '../../core/use-cases/write-workflow-stage.js';
import {
  LOGGED_OUTCOMES,
  WORKFLOW_LIMITS as L,
  WORKFLOW_VERDICTS,
  type Workflow,
} from '../../core/workflow.js';
import { toolError, toolResult } from './tool-result.js';

const workflowId = z.string().min(1).max(64).describe('The workflow id that init returned.');

const presentWorkflow = (w: Workflow) => ({
  id: w.id,
  title: w.title,
  goal: w.goal,
  status: w.status,
  acceptance: w.acceptance,
  verdict: w.verdict,
  verdict_notes: w.verdictNotes,
  created_at: w.createdAt,
  closed_at: w.closedAt,
});

const presentStage = (v: StageView) => ({
  seq: v.stage.seq,
  kind: v.stage.kind,
  name: v.stage.name,
  task_id: v.stage.taskId,
  task_status: v.taskStatus,
  executor: v.executor,
  outcome: v.outcome,
  cost_usd: v.costUsd,
  latency_ms: v.latencyMs,
  tokens_in: v.tokensIn,
  tokens_out: v.tokensOut,
  summary: v.summary,
});

const presentStat = (s: ModelStatView) => ({
  executor: s.executor,
  task_kind: s.taskKind,
  runs: s.runs,
  successes: s.successes,
  failures: s.failures,
  success_rate: s.successRate,
  avg_cost_usd: s.avgCostUsd,
  avg_latency_ms: s.avgLatencyMs,
  total_tokens: s.totalTokens,
  avg_tokens: s.avgTokens,
});

const need = (what: string, action: string) => toolError(`Give ${what} for ${action}.`);

// Built once: a fresh server per request registers them, and building zod schemas is not free.
const workflowInput = z.object({
  action: z.enum(['init', 'spec', 'write', 'close']),
  id: workflowId.optional(),
  title: z.string().max(L.titleChars).optional().describe('init: a short title.'),
  goal: z.string().max(L.goalChars).optional().describe('init: what done means, in words.'),
  acceptance: z
    .array(z.string().max(L.acceptanceChars))
    .max(L.acceptanceItems)
    .optional()
    .describe(
      `spec: 1–${L.acceptanceItems} acceptance criteria, each ≤ ${L.acceptanceChars} characters.`,
    ),
  name: z.string().max(L.stageNameChars).optional().describe('write: what the stage did.'),
  outcome: z.enum(LOGGED_OUTCOMES).optional().describe('write: how the stage ended.'),
  executor: z
    .string()
    .max(64)
    .optional()
    .describe('write: which model or CLI did it; counted in the stats when given.'),
  task_kind: z
    .string()
    .max(L.taskKindChars)
    .optional()
    .describe('write: the stats bucket for this kind of work (default "workflow").'),
  output: z
    .string()
    .max(10 * L.outputChars)
    .optional()
    .describe(`write: the stage's output; only the first ${L.outputChars} characters are kept.`),
  cost_usd: z.number().min(0).max(L.maxCostUsd).optional(),
  latency_ms: z.number().int().min(0).max(L.maxLatencyMs).optional(),
  tokens_in: z.number().int().min(0).max(L.maxTokens).optional(),
  tokens_out: z.number().int().min(0).max(L.maxTokens).optional(),
  verdict: z.enum(WORKFLOW_VERDICTS).optional().describe('close: the verdict.'),
  notes: z.string().max(L.notesChars).optional().describe('close: why.'),
});

const workflowQueryInput = z.object({
  query: z.enum(['summary', 'state', 'consensus', 'stats', 'chooser']),
  id: workflowId.optional(),
  executor: z.string().max(64).optional().describe('stats: only this executor.'),
  task_kind: z
    .string()
    .max(L.taskKindChars)
    .optional()
    .describe('stats: only this task kind; chooser: the kind of task (agent, shell, workflow…).'),
  min_success_rate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      `chooser: the lowest acceptable success rate (default ${DEFAULT_CHOOSER.minSuccessRate}).`,
    ),
  min_runs: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe(`chooser: runs needed before a rate counts (default ${DEFAULT_CHOOSER.minRuns}).`),
});

/** `workflow`: init → spec → (execute with workflow_id) → write → close (SPEC §3.6). */
/** Two executions compared, in wire casing (workflow_query consensus, execute with consensus). */
export function presentComparison(c: StageComparison) {
  return {
    agreement: c.agreement,
    diff: c.diff,
    diff_truncated: c.diffTruncated,
    // Agents on a repo: where the two sides' changed files differ.
    changes_diff: c.changes?.diff ?? null,
    changes_diff_truncated: c.changes?.truncated ?? false,
    mermaid: c.mermaid,
    note: c.note,
  };
}

export function registerWorkflowTools(server: McpServer, core: CoreDeps, actor: Actor) {
  server.registerTool(
    'workflow',
    {
      title: 'Drive a workflow',
      description:
        'A workflow records a piece of work from plan to verdict. action "init" {title, goal?} ' +
        'creates one and returns its id; "spec" {id, acceptance} records the acceptance criteria ' +
        '(replacing earlier ones); run the work with `execute` and workflow_id (each execution is ' +
        'logged as a stage); "write" {id, name, outcome, executor?, output?, cost_usd?, latency_ms?, ' +
        `tokens_in?, tokens_out?} logs a stage you ran yourself (output over ${L.outputChars} ` +
        'characters is cut); "close" {id, verdict, notes?} records the verdict, after which the ' +
        'workflow takes no more changes.',
      inputSchema: workflowInput,
      annotations: { destructiveHint: false, idempotentHint: false },
    },
    async (input) => {
      if (input.action === 'init') {
        if (input.title === undefined) return need('a title', 'init');
        const r = await initWorkflow({
          deps: core,
          actor,
          input: { title: input.title, goal: input.goal },
        });
        return r.ok ? toolResult(presentWorkflow(r.value)) : toolError(r.error);
      }
      const id = input.id;
      if (id === undefined) return need('the workflow id', input.action);
      switch (input.action) {
        case 'spec': {
          if (!input.acceptance) return need('the acceptance criteria', 'spec');
          const r = await specWorkflow({
            deps: core,
            actor,
            input: { id, acceptance: input.acceptance },
          });
          return r.ok ? toolResult(presentWorkflow(r.value)) : toolError(r.error);
        }
        case 'write': {
          if (input.name === undefined || input.outcome === undefined)
            return need('a name and an outcome', 'write');
          const r = await writeWorkflowStage({
            deps: core,
            actor,
            input: {
              id,
              name: input.name,
              outcome: input.outcome,
              executor: input.executor,
              taskKind: input.task_kind,
              output: input.output,
              costUsd: input.cost_usd,
              latencyMs: input.latency_ms,
              tokensIn: input.tokens_in,
              tokensOut: input.tokens_out,
            },
          });
          if (!r.ok) return toolError(r.error);
          return toolResult({
            workflow_id: id,
            seq: r.value.stage.seq,
            name: r.value.stage.name,
            outcome: r.value.stage.outcome,
            output_truncated: r.value.outputTruncated,
            stats_recorded: r.value.statsRecorded,
          });
        }
        case 'close': {
          if (input.verdict === undefined) return need('a verdict', 'close');
          const r = await closeWorkflow({
            deps: core,
            actor,
            input: { id, verdict: input.verdict, notes: input.notes },
          });
          return r.ok ? toolResult(presentWorkflow(r.value)) : toolError(r.error);
        }
      }
    },
  );

  server.registerTool(
    'workflow_query',
    {
      title: 'Look at workflows and executor statistics',
      description:
        'Read-only. query "summary" {id}: the workflow, its stages (executions with their task’s ' +
        'live status and cost) and totals; "state" {id}: what is running or waiting and the next ' +
        'expected action; "consensus" {id}: agreement score (0–1, shared distinct lines) and a ' +
        'unified diff of the last two finished stages; "stats" {executor?, task_kind?}: runs, ' +
        'success rate, average cost/latency/tokens per executor and task kind; "chooser" ' +
        '{task_kind, min_success_rate?, min_runs?}: the cheapest executor likely to succeed.',
      inputSchema: workflowQueryInput,
      annotations: { readOnlyHint: true },
    },
    async (input) => {
      if (input.query === 'stats') {
        const r = await listModelStats({
          deps: core,
          actor,
          input: { executor: input.executor, taskKind: input.task_kind },
        });
        return r.ok ? toolResult({ items: r.value.map(presentStat) }) : toolError(r.error);
      }
      if (input.query === 'chooser') {
        if (input.task_kind === undefined) return need('a task_kind', 'chooser');
        const r = await recommendExecutor({
          deps: core,
          actor,
          input: {
            taskKind: input.task_kind,
            // The configured thresholds (chooser: in the YAML) unless the call names its own.
            minSuccessRate:
              input.min_success_rate ??
              core.chooser?.minSuccessRate ??
              DEFAULT_CHOOSER.minSuccessRate,
            minRuns: input.min_runs ?? core.chooser?.minRuns ?? DEFAULT_CHOOSER.minRuns,
          },
        });
        if (!r.ok) return toolError(r.error);
        return toolResult({
          executor: r.value.executor,
          qualified: r.value.qualified,
          reason: r.value.reason,
          candidates: r.value.candidates.map(presentStat),
        });
      }
      const id = input.id;
      if (id === undefined) return need('the workflow id', input.query);
      const args = { deps: core, actor, input: { id } };
      switch (input.query) {
        case 'summary': {
          const r = await summarizeWorkflow(args);
          if (!r.ok) return toolError(r.error);
          const t = r.value.totals;
          return toolResult({
            ...presentWorkflow(r.value.workflow),
            stages: r.value.stages.map(presentStage),
            totals: {
              cost_usd: t.costUsd,
              tokens_in: t.tokensIn,
              tokens_out: t.tokensOut,
              latency_ms: t.latencyMs,
            },
          });
        }
        case 'state': {
          const r = await getWorkflowState(args);
          if (!r.ok) return toolError(r.error);
          return toolResult({
            status: r.value.status,
            current: r.value.current ? presentStage(r.value.current) : null,
            next: r.value.next,
            stages: r.value.stages,
            criteria: r.value.criteria,
          });
        }
        case 'consensus': {
          const r = await compareWorkflowStages(args);
          if (!r.ok) return toolError(r.error);
          return toolResult({
            compared: r.value.compared.map(presentStage),
            ...presentComparison(r.value),
          });
        }
      }
    },
  );
}
