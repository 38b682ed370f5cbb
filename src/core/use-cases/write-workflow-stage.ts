import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import { parseWorkflowInput, workflowInputs } from '../workflow-input.js';
import { capText, WORKFLOW_LIMITS, type LoggedOutcome, type WorkflowStage } from '../workflow.js';
import type { UseCaseArgs } from './support.js';
import { recordModelRun } from './record-model-run.js';
import { auditWorkflow, explainWorkflowMiss, loadOpenWorkflow } from './workflow-access.js';

type Deps = Pick<CoreDeps, 'workflows' | 'modelStats' | 'audit' | 'clock' | 'ids'>;

export interface WriteStageInput {
  readonly id: string;
  readonly name: string;
  readonly outcome: LoggedOutcome;
  readonly executor?: string | undefined;
  /** The model_stats task kind; 'workflow' when absent. */
  readonly taskKind?: string | undefined;
  readonly output?: string | undefined;
  readonly costUsd?: number | undefined;
  readonly latencyMs?: number | undefined;
  readonly tokensIn?: number | undefined;
  readonly tokensOut?: number | undefined;
}

export interface WrittenStage {
  readonly stage: WorkflowStage;
  readonly outputTruncated: boolean;
  /** Whether the run was added to model_stats (only with an executor, never for 'skipped'). */
  readonly statsRecorded: boolean;
}

export const DEFAULT_WORKFLOW_TASK_KIND = 'workflow';

/** `write`: logs a stage the client ran itself (output capped); with an executor, it counts in stats. */
export async function writeWorkflowStage({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, WriteStageInput>): Promise<Result<WrittenStage, DomainError>> {
  const loaded = await loadOpenWorkflow(deps, actor, input.id);
  if (!loaded.ok) return loaded;
  const { id, ...fields } = input;
  const parsed = parseWorkflowInput(workflowInputs.write, fields);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if ((await deps.workflows.listStages(id)).length >= WORKFLOW_LIMITS.stages) {
    return err({
      code: 'invalid_input',
      issues: [
        { path: 'id', message: `a workflow holds at most ${WORKFLOW_LIMITS.stages} stages` },
      ],
    });
  }
  const output = v.output === undefined ? null : capText(v.output, WORKFLOW_LIMITS.outputChars);
  const at = deps.clock.now().toISOString();
  const stage = await deps.workflows.appendStage({
    id: deps.ids.next(),
    workflowId: id,
    kind: 'log',
    name: v.name,
    taskId: null,
    executor: v.executor ?? null,
    outcome: v.outcome,
    output: output?.text ?? null,
    costUsd: v.costUsd ?? 0,
    latencyMs: v.latencyMs ?? null,
    tokensIn: v.tokensIn ?? 0,
    tokensOut: v.tokensOut ?? 0,
    createdAt: at,
  });
  if (!stage) return explainWorkflowMiss(deps, id);
  const statsRecorded =
    v.executor !== undefined && v.outcome !== 'skipped'
      ? await recordModelRun(deps, {
          executor: v.executor,
          taskKind: v.taskKind ?? DEFAULT_WORKFLOW_TASK_KIND,
          success: v.outcome === 'succeeded',
          costUsd: stage.costUsd,
          latencyMs: stage.latencyMs,
          tokens: stage.tokensIn + stage.tokensOut,
          at,
        })
      : false;
  await auditWorkflow(deps, actor, 'workflow.stage_logged', id, {
    seq: stage.seq,
    outcome: stage.outcome,
    cost_usd: stage.costUsd,
  });
  return ok({ stage, outputTruncated: output?.truncated ?? false, statsRecorded });
}
