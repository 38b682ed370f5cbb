import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_APPROVAL_POLICY,
  DEFAULT_SHELL_ALLOW_LIST,
  allowCommand,
  assessRisk,
  isAllowListed,
  type AllowedCommand,
  type ApprovalPolicy,
} from '../../src/core/approval-policy.js';
import { loadWorkerConfig } from '../../src/entry/config/worker-config.js';

const gateOf = (argv: readonly string[], policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY) =>
  assessRisk(
    { kind: 'shell', environment: null, argv, declaredRisk: null, requestedRisk: null },
    policy,
  ).gate;

// Words a gateless command must never take unless declared: flags that write, set, loop or
// read files, options of every shape, and plain words.
const hostile = fc.constantFrom(
  '-s',
  '-f',
  '-r',
  '-R',
  '-o',
  '--output=x',
  '--set=now',
  '-c',
  '--',
  '-',
  '+%s',
  'evil',
  '/etc/passwd',
  '',
);
const anyWord = fc.oneof(
  hostile,
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 12 }).map((s) => `-${s}`),
  fc.string({ maxLength: 12 }).map((s) => `--${s}`),
);

/** A word the entry does not declare: not one of its args, and not a path if it takes paths. */
const undeclared = (entry: AllowedCommand) =>
  anyWord.filter(
    (w) => !entry.args.includes(w) && !(entry.paths && w.length > 0 && !w.startsWith('-')),
  );

/** What the entry does declare: its args and, when it takes them, paths. */
const declared = (entry: AllowedCommand) =>
  fc.array(
    fc.oneof(
      entry.args.length ? fc.constantFrom(...entry.args) : fc.constant(null),
      entry.paths
        ? fc.string({ minLength: 1, maxLength: 12 }).filter((w) => !w.startsWith('-'))
        : fc.constant(null),
    ),
    { maxLength: 4 },
  );

/** The entry's argv, declared words, and one undeclared word inserted anywhere after argv. */
const withUndeclared = (entry: AllowedCommand) =>
  fc.tuple(declared(entry), undeclared(entry), fc.nat()).map(([extra, bad, at]) => {
    const words = extra.filter((w): w is string => w !== null);
    words.splice(at % (words.length + 1), 0, bad);
    return [...entry.argv, ...words];
  });

describe('the shell allow-list means read-only', () => {
  it('never runs a default entry without a gate once it has a word the entry does not declare', () => {
    for (const entry of DEFAULT_SHELL_ALLOW_LIST) {
      fc.assert(
        fc.property(withUndeclared(entry), (argv) => {
          expect(gateOf(argv)).not.toBe('none');
        }),
        { numRuns: 300 },
      );
    }
  });

  it('runs a default entry without a gate with any of the words it declares', () => {
    for (const entry of DEFAULT_SHELL_ALLOW_LIST) {
      fc.assert(
        fc.property(declared(entry), (extra) => {
          const argv = [...entry.argv, ...extra.filter((w): w is string => w !== null)];
          expect(gateOf(argv)).toBe('none');
        }),
        { numRuns: 100 },
      );
    }
  });

  it('holds for any entry an operator writes, not just the defaults', () => {
    const word = fc.string({ minLength: 1, maxLength: 8 });
    const entry = fc
      .record({
        argv: fc.array(word, { minLength: 1, maxLength: 3 }),
        args: fc.array(word, { maxLength: 5 }),
        paths: fc.boolean(),
      })
      .map((e) => allowCommand(e.argv, e.args, e.paths));
    fc.assert(
      fc.property(
        entry.chain((e) => fc.tuple(fc.constant(e), withUndeclared(e))),
        ([e, argv]) => {
          expect(isAllowListed(argv, [e])).toBe(false);
          expect(gateOf(argv, { ...DEFAULT_APPROVAL_POLICY, shellAllowList: [e] })).not.toBe(
            'none',
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('approvals.shell_allow_list in the config file', () => {
  const policyOf = (list: string) => {
    const r = loadWorkerConfig(
      {
        SWITCHBOARD_ADMIN_TOKEN: 'allow-list-admin-token-0123',
        SWITCHBOARD_CONFIG_YAML: `approvals: { shell_allow_list: ${list} }`,
      },
      'v',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value.config.approvalPolicy;
  };

  it('reads a plain string, as old files have it, as exactly that argv', () => {
    const policy = policyOf("['git status', 'emit']");
    expect(policy.shellAllowList).toEqual([
      { argv: ['git', 'status'], args: [], paths: false },
      { argv: ['emit'], args: [], paths: false },
    ]);
    expect(gateOf(['git', 'status'], policy)).toBe('none');
    expect(gateOf(['emit'], policy)).toBe('none');
    // Once these were prefixes, and `git status --output=x` or `emit 5` ran without a gate.
    expect(gateOf(['git', 'status', '-s'], policy)).toBe('tap');
    expect(gateOf(['emit', '5'], policy)).toBe('tap');
  });

  it('reads an entry that declares its further words and paths', () => {
    const policy = policyOf(
      '[{ argv: [git, status], args: [-s, --short] }, { argv: [ls], args: [-l], paths: true }]',
    );
    expect(gateOf(['git', 'status', '--short'], policy)).toBe('none');
    expect(gateOf(['git', 'status', '-b'], policy)).toBe('tap');
    expect(gateOf(['ls', '-l', '/srv'], policy)).toBe('none');
    expect(gateOf(['ls', '-R', '/srv'], policy)).toBe('tap');
  });

  it('keeps the default list when the file names none', () => {
    const r = loadWorkerConfig({ SWITCHBOARD_ADMIN_TOKEN: 'allow-list-admin-token-0123' }, 'v');
    expect(r.ok && r.value.config.approvalPolicy.shellAllowList).toEqual(DEFAULT_SHELL_ALLOW_LIST);
  });

  it('refuses an entry without a command, or with a key it does not know', () => {
    for (const bad of ['[{ argv: [] }]', "[{ argv: [ls], flags: ['-l'] }]", "['']"]) {
      const r = loadWorkerConfig(
        {
          SWITCHBOARD_ADMIN_TOKEN: 'allow-list-admin-token-0123',
          SWITCHBOARD_CONFIG_YAML: `approvals: { shell_allow_list: ${bad} }`,
        },
        'v',
      );
      expect(r.ok).toBe(false);
    }
  });
});
