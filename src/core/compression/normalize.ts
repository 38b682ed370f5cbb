import type { Stage, StageOutcome } from '../stage.js';
import type { Task, TaskKind, TaskStatus } from '../task.js';
import { readAgentOutput } from './agent-output.js';
import { extractFacts, hasFacts, type OutputFacts } from './facts.js';
import { clip, scanLines } from './text.js';

export interface NormalizedAttempt {
  readonly attempt: number;
  readonly executor: string | null;
  readonly outcome: StageOutcome;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly errorClass: string | null;
  readonly durationMs: number | null;
  readonly costUsd: number;
}

/** What happened in a task, small enough for any verbosity level to be rendered from it. */
export interface NormalizedOutput {
  readonly taskId: string;
  readonly kind: TaskKind;
  readonly status: TaskStatus;
  /** The command (shell), the executor (agent) or the template name, clipped. */
  readonly what: string;
  /** The agent's prompt, clipped; null for commands. */
  readonly prompt: string | null;
  /** "build-vm/api", "build-vm", or null. */
  readonly where: string | null;
  /** The latest attempts, oldest first (older ones are counted in `earlierAttempts`). */
  readonly attempts: readonly NormalizedAttempt[];
  readonly earlierAttempts: number;
  readonly costUsd: number;
  /** The agent's one-line result, or the command's last output line. */
  readonly result: string | null;
  readonly facts: OutputFacts;
  /** More than one attempt, or facts beyond the outcome: the larger diagram budget applies. */
  readonly complex: boolean;
  /** The output lines worth showing at `standard`: errors first, then the tail, capped. */
  readonly excerpt: readonly string[];
}

export const NORMALIZE_LIMITS = {
  attempts: 4,
  excerptLines: 12,
  excerptChars: 1_500,
} as const;

function describeWhat(task: Task): string {
  if (task.kind === 'shell') return clip((task.argv ?? []).join(' ') || 'shell', 60);
  if (task.kind === 'agent') return clip(task.executor ?? 'agent', 30);
  return clip(task.template ?? task.kind, 30);
}

const toAttempt = (s: Stage): NormalizedAttempt => ({
  attempt: s.attempt,
  executor: s.executor,
  outcome: s.outcome,
  exitCode: s.exitCode,
  signal: s.signal,
  errorClass: s.errorClass,
  durationMs: s.latencyMs,
  costUsd: s.costUsd,
});

const lastLine = (lines: readonly string[]): string | null => {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.trim()) return lines[i]!;
  return null;
};

function excerptOf(errors: readonly string[], lines: readonly string[]): string[] {
  const tail = lines.filter((l) => l.trim()).slice(-NORMALIZE_LIMITS.excerptLines);
  const out: string[] = [];
  let chars = 0;
  for (const l of [...errors, ...tail.filter((l) => !errors.includes(clip(l, 120)))]) {
    const line = clip(l, 200);
    if (chars + line.length > NORMALIZE_LIMITS.excerptChars) break;
    out.push(line);
    chars += line.length + 1;
  }
  return out;
}

/**
 * Reduces a task and its attempts to what happened: outcome per attempt, and the facts its last
 * attempt's output states (test counts, changed files, error lines, the agent's result). Reads
 * a bounded head and tail of each stream, so any output size costs the same; never throws.
 */
export function normalizeOutput(task: Task, stages: readonly Stage[]): NormalizedOutput {
  const ordered = [...stages].sort((a, b) => a.attempt - b.attempt);
  const last = ordered.at(-1) ?? null;
  const stdout = scanLines(last?.stdoutTail);
  const stderr = scanLines(last?.stderrTail);
  const report = task.kind === 'agent' ? readAgentOutput(scanLines(last?.stdoutTail, true)) : null;
  const textLines = report
    ? [...scanLines(report.commandOutput), ...(report.result ? [report.result] : []), ...stderr]
    : [...stdout, ...stderr];
  const raw = extractFacts(textLines);
  const succeeded = last?.outcome === 'succeeded' && task.status !== 'failed';
  const agentError = report?.error && !succeeded ? [report.error] : [];
  const keepErrors = !succeeded || (raw.tests?.failed ?? 0) > 0;
  const errors = keepErrors ? [...new Set([...agentError, ...raw.errors])].slice(0, 3) : [];
  const agentFiles = report?.files ?? [];
  const facts: OutputFacts = {
    ...raw,
    changes:
      raw.changes ??
      (agentFiles.length
        ? {
            files: agentFiles.length,
            insertions: null,
            deletions: null,
            names: agentFiles.slice(0, 3),
          }
        : null),
    errors,
    errorCount: keepErrors ? raw.errorCount : null,
  };
  // A command's last line says something only when nothing more specific was found.
  const result = last?.summary
    ? clip(last.summary, 200)
    : report
      ? report.result
      : hasFacts(facts)
        ? null
        : lastLine(succeeded ? stdout : [...stdout, ...stderr]);
  const attempts = ordered.slice(-NORMALIZE_LIMITS.attempts).map(toAttempt);
  return {
    taskId: task.id,
    kind: task.kind,
    status: task.status,
    what: describeWhat(task),
    prompt: task.kind === 'agent' && task.prompt ? clip(task.prompt, 80) : null,
    where: task.host ? (task.repo ? `${task.host}/${task.repo}` : task.host) : task.repo,
    attempts,
    earlierAttempts: ordered.length - attempts.length,
    costUsd: task.costUsd,
    result: result ? clip(result, 200) : null,
    facts,
    complex: ordered.length > 1 || hasFacts(facts),
    excerpt: excerptOf(errors, report ? textLines : succeeded ? stdout : [...stdout, ...stderr]),
  };
}
