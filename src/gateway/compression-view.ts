import { toMermaid } from '../core/compression/mermaid.js';
import { normalizeOutput, type NormalizedOutput } from '../core/compression/normalize.js';
import { summaryLine, toMermaidText } from '../core/compression/render.js';
import type { Stage } from '../core/stage.js';
import type { Task } from '../core/task.js';

/** The compressed views of a result (SPEC §3.5), in wire casing. */
export function presentCompressed(n: NormalizedOutput) {
  return { summary: summaryLine(n), mermaid: toMermaid(n), text: toMermaidText(n) };
}

/** `mermaid` verbosity: the task's own fields, the diagram, and each attempt's outcome only. */
export function presentMermaidLevel(task: Task, stages: readonly Stage[], base: object) {
  const n = normalizeOutput(task, stages);
  return {
    ...base,
    ...presentCompressed(n),
    stages: stages.map((s) => ({
      attempt: s.attempt,
      executor: s.executor,
      outcome: s.outcome,
      exit_code: s.exitCode,
      error_class: s.errorClass,
      latency_ms: s.latencyMs,
      cost_usd: s.costUsd,
    })),
  };
}
