import { describe, expect, it } from 'vitest';
import {
  DEFAULT_APPROVAL_POLICY,
  DEFAULT_SHELL_ALLOW_LIST,
  allowCommand,
  assessRisk,
  gateFor,
  isAllowListed,
  maxRisk,
  phraseFor,
  type ApprovalPolicy,
  type RiskInput,
} from '../../src/core/approval-policy.js';
import type { Risk } from '../../src/core/task.js';

const input = (overrides: Partial<RiskInput>): RiskInput => ({
  kind: 'agent',
  environment: null,
  argv: null,
  declaredRisk: null,
  requestedRisk: null,
  ...overrides,
});

const assess = (overrides: Partial<RiskInput>, policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY) =>
  assessRisk(input(overrides), policy);

describe('assessRisk (SPEC §3.1)', () => {
  it('runs an agent prompt on a dev worktree at once', () => {
    expect(assess({ kind: 'agent' })).toEqual({
      risk: 'low',
      gate: 'none',
      reason: 'agent prompt on a dev worktree',
    });
    expect(assess({ kind: 'agent', environment: 'dev' })).toMatchObject({
      risk: 'low',
      gate: 'none',
    });
  });

  it('runs a shell command on the allow-list at once', () => {
    expect(assess({ kind: 'shell', argv: ['git', 'status'] })).toMatchObject({
      risk: 'low',
      gate: 'none',
    });
    expect(assess({ kind: 'shell', argv: ['ls', '-la', '/srv'] })).toMatchObject({
      risk: 'low',
      gate: 'none',
    });
  });

  it('asks one tap for a shell command not on the allow-list', () => {
    expect(assess({ kind: 'shell', argv: ['rm', '-rf', '/tmp/x'] })).toEqual({
      risk: 'medium',
      gate: 'tap',
      reason: 'shell command not on the allow-list',
    });
    expect(assess({ kind: 'shell', argv: ['npm', 'test'] })).toMatchObject({ gate: 'tap' });
  });

  it('asks one tap for a shell task without argv', () => {
    expect(assess({ kind: 'shell', argv: null })).toMatchObject({ risk: 'medium', gate: 'tap' });
  });

  it('asks one tap for anything on staging, even an allow-listed command', () => {
    expect(assess({ kind: 'agent', environment: 'staging' })).toMatchObject({
      risk: 'medium',
      gate: 'tap',
    });
    expect(assess({ kind: 'template', environment: 'staging' })).toMatchObject({
      risk: 'medium',
      gate: 'tap',
    });
    expect(assess({ kind: 'shell', environment: 'staging', argv: ['ls'] })).toMatchObject({
      risk: 'medium',
      gate: 'tap',
    });
  });

  it('asks the typed phrase for production, whatever the template declares', () => {
    expect(assess({ kind: 'template', environment: 'production' })).toEqual({
      risk: 'high',
      gate: 'typed_phrase',
      reason: 'production environment',
    });
    expect(
      assess({ kind: 'template', environment: 'production', declaredRisk: 'low' }),
    ).toMatchObject({ risk: 'high', gate: 'typed_phrase' });
    expect(assess({ kind: 'shell', environment: 'production', argv: ['ls'] })).toMatchObject({
      risk: 'high',
      gate: 'typed_phrase',
    });
    expect(assess({ kind: 'agent', environment: 'production' })).toMatchObject({
      gate: 'typed_phrase',
    });
  });

  it('uses the risk a template declares for its environment', () => {
    expect(assess({ kind: 'template', environment: 'dev', declaredRisk: 'high' })).toEqual({
      risk: 'high',
      gate: 'typed_phrase',
      reason: 'declared by the template',
    });
    expect(assess({ kind: 'template', environment: 'dev', declaredRisk: 'medium' })).toMatchObject({
      risk: 'medium',
      gate: 'tap',
    });
    expect(assess({ kind: 'template', environment: 'staging', declaredRisk: 'low' })).toMatchObject(
      { risk: 'low', gate: 'none' },
    );
  });

  it('lets the requester raise the risk', () => {
    expect(assess({ kind: 'agent', requestedRisk: 'medium' })).toEqual({
      risk: 'medium',
      gate: 'tap',
      reason: 'raised by the requester',
    });
    expect(assess({ kind: 'shell', argv: ['ls'], requestedRisk: 'high' })).toMatchObject({
      risk: 'high',
      gate: 'typed_phrase',
      reason: 'raised by the requester',
    });
    expect(assess({ kind: 'agent', environment: 'staging', requestedRisk: 'high' })).toMatchObject({
      risk: 'high',
      gate: 'typed_phrase',
    });
  });

  it('never lets the requester lower the risk', () => {
    expect(assess({ kind: 'shell', argv: ['rm', '-rf', '/'], requestedRisk: 'low' })).toEqual({
      risk: 'medium',
      gate: 'tap',
      reason: 'shell command not on the allow-list',
    });
    expect(assess({ kind: 'agent', environment: 'production', requestedRisk: 'low' })).toEqual({
      risk: 'high',
      gate: 'typed_phrase',
      reason: 'production environment',
    });
    expect(
      assess({ kind: 'template', environment: 'staging', requestedRisk: 'medium' }),
    ).toMatchObject({ risk: 'medium', reason: 'staging environment' });
    expect(
      assess({
        kind: 'template',
        environment: 'dev',
        declaredRisk: 'high',
        requestedRisk: 'medium',
      }),
    ).toMatchObject({ risk: 'high', gate: 'typed_phrase', reason: 'declared by the template' });
  });

  it('uses the policy allow-list it is given, not the default one', () => {
    const policy: ApprovalPolicy = {
      shellAllowList: [allowCommand(['npm', 'test'])],
      approvalTimeoutS: 60,
    };
    expect(assess({ kind: 'shell', argv: ['npm', 'test'] }, policy)).toMatchObject({
      gate: 'none',
    });
    expect(assess({ kind: 'shell', argv: ['git', 'status'] }, policy)).toMatchObject({
      gate: 'tap',
    });
  });
});

describe('isAllowListed', () => {
  const list = [allowCommand(['git', 'status'], ['-s']), allowCommand(['ls'], ['-l'], true)];

  it('matches the exact argv, and further words only when the entry declares them', () => {
    expect(isAllowListed(['git', 'status'], list)).toBe(true);
    expect(isAllowListed(['git', 'status', '-s'], list)).toBe(true);
    expect(isAllowListed(['git', 'status', '-s', '-s'], list)).toBe(true);
    expect(isAllowListed(['ls'], list)).toBe(true);
    expect(isAllowListed(['ls', '-l'], list)).toBe(true);
    // Once a prefix was enough; now an undeclared word leaves the command gated.
    expect(isAllowListed(['git', 'status', '--porcelain'], list)).toBe(false);
    expect(isAllowListed(['git', 'status', 'x'], list)).toBe(false);
    expect(isAllowListed(['ls', '-la'], list)).toBe(false);
  });

  it('takes paths only where declared, and never a word that could be a flag', () => {
    expect(isAllowListed(['ls', '/srv', '-l', 'a b', '.'], list)).toBe(true);
    expect(isAllowListed(['ls', '-R', '/'], list)).toBe(false);
    expect(isAllowListed(['ls', '--', '-l'], list)).toBe(false);
    expect(isAllowListed(['ls', '--dired'], list)).toBe(false);
    expect(isAllowListed(['ls', ''], list)).toBe(false);
    expect(isAllowListed(['git', 'status', 'src'], list)).toBe(false);
  });

  it('compares whole tokens, never substrings', () => {
    expect(isAllowListed(['git', 'statusx'], list)).toBe(false);
    expect(isAllowListed(['gitx', 'status'], list)).toBe(false);
    expect(isAllowListed(['git', 'stat'], list)).toBe(false);
    expect(isAllowListed(['lsof'], list)).toBe(false);
    expect(isAllowListed(['git status'], list)).toBe(false);
    expect(isAllowListed(['git', 'status', '-sb'], list)).toBe(false);
  });

  it('refuses an argv shorter than the entry', () => {
    expect(isAllowListed(['git'], list)).toBe(false);
    expect(isAllowListed([], list)).toBe(false);
  });

  it('requires the entry at the start, case-sensitively', () => {
    expect(isAllowListed(['sudo', 'git', 'status'], list)).toBe(false);
    expect(isAllowListed(['env', 'ls'], list)).toBe(false);
    expect(isAllowListed(['Git', 'Status'], list)).toBe(false);
    expect(isAllowListed(['LS'], list)).toBe(false);
  });

  it('never matches through an empty entry or an empty list', () => {
    expect(isAllowListed(['rm', '-rf', '/'], [allowCommand([], [], true)])).toBe(false);
    expect(isAllowListed([], [allowCommand([], [], true)])).toBe(false);
    expect(isAllowListed(['ls'], [])).toBe(false);
  });

  it('holds only read-only commands in the default list', () => {
    const listed = (...argv: string[]) => isAllowListed(argv, DEFAULT_SHELL_ALLOW_LIST);
    expect(listed('git', 'status', '-s')).toBe(true);
    expect(listed('uname', '-a')).toBe(true);
    expect(listed('df', '-h')).toBe(true);
    expect(listed('free', '-h')).toBe(true);
    expect(listed('ls', '-la', '/var/log')).toBe(true);
    expect(listed('date')).toBe(true);
    expect(listed('hostname')).toBe(true);
    expect(listed('git', 'push')).toBe(false);
    expect(listed('git', 'log', '--output=x')).toBe(false);
    expect(listed('rm', '-rf', '/')).toBe(false);
    // Each of these once passed as an allow-listed prefix.
    expect(listed('date', '-f', '/etc/passwd')).toBe(false);
    expect(listed('date', '-s', '2020-01-01')).toBe(false);
    expect(listed('date', '+%s')).toBe(false);
    expect(listed('hostname', 'evil')).toBe(false);
    expect(listed('free', '-s', '1')).toBe(false);
    expect(listed('ls', '-R', '/')).toBe(false);
    expect(listed('git', 'status', '--output=x')).toBe(false);
    expect(listed('uname', '--help')).toBe(false);
  });
});

describe('policy helpers', () => {
  it('maps each risk to its gate', () => {
    const gates = (['low', 'medium', 'high'] as const).map((r: Risk) => gateFor(r));
    expect(gates).toEqual(['none', 'tap', 'typed_phrase']);
  });

  it('asks the production phrase only for the typed-phrase gate', () => {
    expect(phraseFor('typed_phrase')).toBe('DEPLOY TO PRODUCTION');
    expect(phraseFor('tap')).toBeNull();
    expect(phraseFor('none')).toBeNull();
  });

  it('takes the higher of two risks in either order', () => {
    expect(maxRisk('low', 'high')).toBe('high');
    expect(maxRisk('high', 'low')).toBe('high');
    expect(maxRisk('medium', 'low')).toBe('medium');
    expect(maxRisk('low', 'low')).toBe('low');
  });

  it('defaults approval requests to a 10 minute expiry', () => {
    expect(DEFAULT_APPROVAL_POLICY.approvalTimeoutS).toBe(600);
  });
});
