import { PRODUCTION_PHRASE } from './approval.js';
import type { Environment, Gate, Risk, TaskKind } from './task.js';

/**
 * A command that runs without a gate: exactly `argv`, then only words from `args` or, with
 * `paths`, words not starting with `-` (so never a flag). Any other word means a tap.
 */
export interface AllowedCommand {
  readonly argv: readonly string[];
  readonly args: readonly string[];
  readonly paths: boolean;
}

export interface ApprovalPolicy {
  /** Read-only commands that need no gate (see AllowedCommand for what matches). */
  readonly shellAllowList: readonly AllowedCommand[];
  readonly approvalTimeoutS: number;
}

/** An allow-list entry: exactly `argv`, plus the further words it declares. */
export const allowCommand = (
  argv: readonly string[],
  args: readonly string[] = [],
  paths = false,
): AllowedCommand => ({ argv, args, paths });

/** Read-only commands; their flags only change what is printed (none writes, sets or loops). */
export const DEFAULT_SHELL_ALLOW_LIST: readonly AllowedCommand[] = [
  // Reads the work tree; at most it refreshes the index's stat cache.
  allowCommand(['git', 'status'], ['-s', '--short', '-b', '--branch', '--porcelain']),
  // Not -R: it can walk a whole disk.
  allowCommand(
    ['ls'],
    ['-l', '-a', '-A', '-h', '-1', '-d', '-t', '-r', '-S', '-la', '-al', '-lh', '-lah', '-alh'],
    true,
  ),
  allowCommand(['pwd']),
  allowCommand(['whoami']),
  allowCommand(['uptime'], ['-p', '-s']),
  allowCommand(['df'], ['-h', '-H', '-i', '-T']),
  // Not -s N: it repeats forever.
  allowCommand(['free'], ['-h', '-m', '-g', '-k']),
  allowCommand(['uname'], ['-a', '-s', '-n', '-r', '-v', '-m', '-p', '-i', '-o']),
  // No arguments: `hostname NAME` renames the host.
  allowCommand(['hostname']),
  // No arguments: `date -s` sets the clock, `date -f FILE` prints the file's lines in errors.
  allowCommand(['date']),
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

/** A word an entry with `paths` takes: never empty, never a flag. */
const isPathWord = (word: string): boolean => word.length > 0 && !word.startsWith('-');

const matches = (argv: readonly string[], entry: AllowedCommand): boolean =>
  entry.argv.length > 0 &&
  entry.argv.length <= argv.length &&
  entry.argv.every((word, i) => argv[i] === word) &&
  argv
    .slice(entry.argv.length)
    .every((word) => entry.args.includes(word) || (entry.paths && isPathWord(word)));

export const isAllowListed = (
  argv: readonly string[],
  allowList: ApprovalPolicy['shellAllowList'],
): boolean => allowList.some((entry) => matches(argv, entry));

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
