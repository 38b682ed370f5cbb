import { chooseExecutor, type ChooserOptions, type Choice } from '../chooser.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { viewModelStat, type ModelStatView } from '../model-stats.js';
import { ok, type Result } from '../result.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'modelStats' | 'audit' | 'clock' | 'ids'>;

export interface StatsFilter {
  readonly executor?: string | undefined;
  readonly taskKind?: string | undefined;
}

/** `stats`: per executor and task kind, success rate and average cost, latency and tokens. */
export async function listModelStats({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, StatsFilter>): Promise<Result<readonly ModelStatView[], DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'workflow.read', 'model_stats');
  if (denied) return denied;
  const rows = await deps.modelStats.list();
  return ok(
    rows
      .filter(
        (r) =>
          (input.executor === undefined || r.executor === input.executor) &&
          (input.taskKind === undefined || r.taskKind === input.taskKind),
      )
      .map(viewModelStat),
  );
}

/** `chooser`: the cheapest executor likely to succeed at a kind of task (see chooseExecutor). */
export async function recommendExecutor({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, ChooserOptions>): Promise<Result<Choice, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'workflow.read', 'model_stats');
  if (denied) return denied;
  return ok(chooseExecutor(await deps.modelStats.list(), input));
}
