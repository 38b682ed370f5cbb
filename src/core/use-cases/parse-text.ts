import { assessRisk, type RiskAssessment } from '../approval-policy.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { gateForGuess } from '../guess-gate.js';
import { parseRequest, type ParsedRequest } from '../intent/parse-request.js';
import { applyRoute, ROUTE_BELOW_CONFIDENCE, routerPrompt } from '../intent/router.js';
import { ok, type Result } from '../result.js';
import { resolveDraft } from '../task-draft.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<
  CoreDeps,
  'catalog' | 'policy' | 'vocabulary' | 'audit' | 'clock' | 'ids' | 'intentRouter'
>;

export interface ParseTextInput {
  readonly text: string;
  /** The chat's last host and repo, used when the message names none. */
  readonly lastHost?: string | null | undefined;
  readonly lastRepo?: string | null | undefined;
}

/** A parsed request; a task also says what gate it would meet, before anything is created. */
export type ParseOutcome =
  | Exclude<ParsedRequest, { type: 'task' }>
  | (Extract<ParsedRequest, { type: 'task' }> & { readonly assessment: RiskAssessment });

/**
 * What a message would become (parse-and-confirm, `switchboard parse`, POST /api/parse):
 * the draft with its risk and gate, a query, or one question. Creates nothing.
 */
export async function parseText({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, ParseTextInput>): Promise<Result<ParseOutcome, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.submit', 'task:new');
  if (denied) return denied;
  const ctx = { vocabulary: deps.vocabulary, lastHost: input.lastHost, lastRepo: input.lastRepo };
  let parsed = parseRequest(input.text, ctx);
  // Only an unsure reading waits for the router; sure ones, questions and queries never do.
  const router = deps.intentRouter;
  if (
    router &&
    parsed.type === 'task' &&
    !parsed.consensus &&
    // A command line stays one: a router may only answer agent or template, never argv.
    parsed.draft.kind !== 'shell' &&
    parsed.confidence < ROUTE_BELOW_CONFIDENCE
  ) {
    const answer = await router.ask(routerPrompt(input.text, deps.vocabulary)).catch(() => null);
    parsed = (answer ? applyRoute(input.text, answer, ctx, router.name) : null) ?? parsed;
  }
  if (parsed.type !== 'task') return ok(parsed);
  const resolved = resolveDraft(parsed.draft, deps.catalog);
  if (!resolved.ok) {
    const issues = resolved.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return ok({ type: 'unusable', reason: `That cannot become a task: ${issues}.` });
  }
  return ok({
    ...parsed,
    assessment: gateForGuess(assessRisk(resolved.value, deps.policy), parsed.guess),
  });
}
