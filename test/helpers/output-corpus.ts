import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Stage } from '../../src/core/stage.js';
import type { Task } from '../../src/core/task.js';
import type { CorpusCase } from '../fixtures/outputs/generate.js';
import { aTask } from './builders.js';

const DIR = fileURLToPath(new URL('../fixtures/outputs/', import.meta.url));

export function loadOutputCorpus(): CorpusCase[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${DIR}${f}`, 'utf8')) as CorpusCase);
}

/** A corpus case as the task and stages the store would hold after it ran. */
export function caseToTask(c: CorpusCase): { task: Task; stages: Stage[] } {
  const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
  const cost = c.attempts.reduce((sum, a) => sum + a.cost_usd, 0);
  const task = aTask({
    id,
    kind: c.kind,
    status: c.status,
    executor: c.executor,
    host: c.host,
    repo: c.repo,
    prompt: c.prompt,
    argv: c.argv,
    costUsd: cost,
    attempts: c.attempts.length,
  });
  const stages = c.attempts.map((a, i): Stage => ({
    id: `stage-${i + 1}`,
    taskId: id,
    attempt: i + 1,
    fencingToken: i + 1,
    runnerId: 'runner-1',
    changesDiff: null,
    executor: a.executor,
    model: null,
    host: c.host,
    outcome: a.outcome,
    exitCode: a.exit_code,
    signal: a.signal ?? null,
    errorClass: a.error_class ?? null,
    latencyMs: a.duration_ms,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: a.cost_usd,
    stdoutTail: a.stdout,
    stderrTail: a.stderr,
    summary: a.summary ?? null,
    outputPath: null,
    sessionId: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  }));
  return { task, stages };
}
