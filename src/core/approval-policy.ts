import { PRODUCTION_PHRASE } from './approval.js';
import type { Environment, Gate, Risk, TaskKind } from './task.js';

export interface ApprovalPolicy {
  /** argv prefixes that count as read-only; a shell command matching one needs no gate. */
  readonly shellAllowList: readonly (readonly string[])[];
  readonly approvalTimeoutS: number;
}

/** Read-only commands whose flags cannot write files (unlike `git log --output`). */
export const DEFAULT_SHELL_ALLOW_LIST: readonly (readonly string[])[] = [
  ['git', 'status'],
  ['ls'],
  ['pwd'],
  ['whoami'],
  ['uptime'],
  ['df'],
  ['free'],
  ['uname'],
  ['hostname'],
  ['date'],
];

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  shellAllowList: DEFAULT_SHELL_ALLOW_LIST,
  approvalTimeoutS: 600,
};

export interface RiskInput {
  readonly kind: TaskKind;
  readonly environment: Environment | null;
  readonly argv: readonly string[] | null;
  /** Risk a template declares for this environment, when the task comes from one. */
  readonly declaredRisk: Risk | null;
  /** Risk the requester asked for; it can raise the gate, never lower it. */
  readonly requestedRisk: Risk | null;
}

export interface RiskAssessment {
  readonly risk: Risk;
  readonly gate: Gate;
  readonly reason: string;
}

const RANK: Readonly<Record<Risk, number>> = { low: 0, medium: 1, high: 2 };
const GATE_FOR: Readonly<Record<Risk, Gate>> = { low: 'none', medium: 'tap', high: 'typed_phrase' };

export const maxRisk = (a: Risk, b: Risk): Risk => (RANK[a] >= RANK[b] ? a : b);
export const gateFor = (risk: Risk): Gate => GATE_FOR[risk];
export const phraseFor = (gate: Gate): string | null =>
  gate === 'typed_phrase' ? PRODUCTION_PHRASE : null;

export const isAllowListed = (
  argv: readonly string[],
  allowList: ApprovalPolicy['shellAllowList'],
) =>
  allowList.some(
    (prefix) =>
      prefix.length > 0 && prefix.length <= argv.length && prefix.every((p, i) => argv[i] === p),
  );

function baseline(input: RiskInput, policy: ApprovalPolicy): { risk: Risk; reason: string } {
  if (input.environment === 'production') return { risk: 'high', reason: 'production environment' };
  if (input.declaredRisk) return { risk: input.declaredRisk, reason: 'declared by the template' };
  if (input.environment === 'staging') return { risk: 'medium', reason: 'staging environment' };
  if (input.kind === 'shell') {
    return input.argv && isAllowListed(input.argv, policy.shellAllowList)
      ? { risk: 'low', reason: 'read-only command on the allow-list' }
      : { risk: 'medium', reason: 'shell command not on the allow-list' };
  }
  return {
    risk: 'low',
    reason: input.kind === 'agent' ? 'agent prompt on a dev worktree' : 'dev work',
  };
}

/** SPEC §3.1: low runs at once, medium waits for one tap, high needs the typed phrase. */
export function assessRisk(input: RiskInput, policy: ApprovalPolicy): RiskAssessment {
  const base = baseline(input, policy);
  const raised = input.requestedRisk !== null && RANK[input.requestedRisk] > RANK[base.risk];
  const risk = raised && input.requestedRisk ? input.requestedRisk : base.risk;
  return { risk, gate: gateFor(risk), reason: raised ? 'raised by the requester' : base.reason };
}
