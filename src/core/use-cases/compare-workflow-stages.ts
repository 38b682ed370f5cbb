import { agentAnswer } from '../agent-answer.js';
import { consensusMermaid, diffCounts } from '../compression/consensus-mermaid.js';
import { agreementScore, unifiedDiff } from '../consensus.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { capText, WORKFLOW_LIMITS } from '../workflow.js';
import { getTaskOutput } from './get-task-output.js';
import { summarizeWorkflow, type StageView } from './summarize-workflow.js';
import type { UseCaseArgs } from './support.js';

type Deps = Parameters<typeof summarizeWorkflow>[0]['deps'];

export interface StageComparison {
  /** The two stages compared, older first; fewer when the workflow has not finished two. */
  readonly compared: readonly StageView[];
  /** Null when there were fewer than two finished stages. */
  readonly agreement: number | null;
  readonly diff: string | null;
  readonly diffTruncated: boolean;
  /** The two answers and their agreement as a small flowchart; null with fewer than two. */
  readonly mermaid: string | null;
  /**
   * Code tasks (agents on a repo): a unified diff between the two sides' changed-files diffs
   * (SPEC §3.4), empty when they changed the same; null when neither recorded any changes.
   */
  readonly changes: { readonly diff: string; readonly truncated: boolean } | null;
  readonly note: string;
}

/**
 * `consensus` (SPEC §3.4): the outputs of the last two finished stages, compared with the
 * line-set Jaccard score and a unified diff. Executions compare their task's stored output.
 */
const sideOf = (v: StageView) => ({
  executor: v.executor ?? v.stage.name,
  status: v.outcome ?? 'unknown',
  costUsd: v.costUsd,
});

export async function compareWorkflowStages({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly id: string }>): Promise<Result<StageComparison, DomainError>> {
  const summary = await summarizeWorkflow({ deps, actor, input });
  if (!summary.ok) return summary;
  const done = summary.value.stages.filter((s) => s.done).slice(-2);
  const [a, b] = done;
  if (!a || !b) {
    return ok({
      compared: done,
      agreement: null,
      diff: null,
      diffTruncated: false,
      mermaid: null,
      changes: null,
      note: `Consensus needs two finished stages; this workflow has ${done.length}.`,
    });
  }
  const textOf = async (v: StageView): Promise<string> => {
    const taskId = v.stage.taskId;
    if (v.stage.kind === 'execution' && taskId !== null) {
      const out = await getTaskOutput({ deps, actor, input: { taskId } });
      const text = agentAnswer(
        out.ok ? out.value.output.stdout : (v.stdoutTail ?? v.summary ?? ''),
      );
      return capText(text, WORKFLOW_LIMITS.outputChars).text;
    }
    return v.stage.output ?? '';
  };
  const changesOf = async (v: StageView): Promise<string | null> =>
    v.stage.kind === 'execution' && v.stage.taskId !== null
      ? ((await deps.stages.listByTask(v.stage.taskId)).at(-1)?.changesDiff ?? null)
      : null;
  const [left, right, changedA, changedB] = await Promise.all([
    textOf(a),
    textOf(b),
    changesOf(a),
    changesOf(b),
  ]);
  const changes =
    changedA === null && changedB === null
      ? null
      : unifiedDiff(changedA ?? '', changedB ?? '', {
          a: `changes of stage ${a.stage.seq} (${a.stage.name})`,
          b: `changes of stage ${b.stage.seq} (${b.stage.name})`,
        });
  const diff = unifiedDiff(left, right, {
    a: `stage ${a.stage.seq} (${a.stage.name})`,
    b: `stage ${b.stage.seq} (${b.stage.name})`,
  });
  const agreement = agreementScore(left, right);
  return ok({
    compared: [a, b],
    agreement,
    diff: diff.text,
    diffTruncated: diff.truncated,
    changes: changes && { diff: changes.text, truncated: changes.truncated },
    mermaid: consensusMermaid({
      a: sideOf(a),
      b: sideOf(b),
      agreement,
      ...diffCounts(diff.text),
    }),
    note:
      agreement === 1
        ? `Stages ${a.stage.seq} and ${b.stage.seq} produced the same lines.`
        : `Stages ${a.stage.seq} and ${b.stage.seq} agree on ${Math.round(agreement * 100)}% of their distinct lines.`,
  });
}
