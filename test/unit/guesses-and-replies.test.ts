import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/core/approval-policy.js';
import { taskSubject } from '../../src/core/audit.js';
import { DEFAULT_BREAKER_LIMITS } from '../../src/core/breaker.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { DEFAULT_LADDER } from '../../src/core/escalation.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { createRecordingNotifier } from '../../src/core/fakes/recording-notifier.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import { parseRequest } from '../../src/core/intent/parse-request.js';
import type { Catalog, TaskDraft } from '../../src/core/task-draft.js';
import { approveTask } from '../../src/core/use-cases/approve-task.js';
import { parseText } from '../../src/core/use-cases/parse-text.js';
import { submitTask } from '../../src/core/use-cases/submit-task.js';
import { testTemplate } from '../helpers/templates.js';
import { TEST_VOCABULARY } from '../helpers/vocabulary.js';

const OWNER: Actor = { id: 'u-owner', role: 'owner', channel: 'telegram' };
const APPROVER: Actor = { id: 'u-approver', role: 'approver', channel: 'telegram' };

const CATALOG: Catalog = {
  hosts: ['local', 'build-vm', 'mac-mini'],
  executors: ['codex', 'claude-sonnet'],
  repos: [{ name: 'api', host: 'build-vm' }],
  templates: [
    testTemplate({
      name: 'deploy',
      riskByEnvironment: { dev: 'low', staging: 'medium', production: 'high' },
    }),
  ],
  defaultExecutor: 'codex',
  defaultTimeoutS: 180,
};

function setup(): CoreDeps {
  return {
    ...createMemoryStores(),
    clock: createFixedClock('2026-01-01T00:00:00.000Z'),
    ids: createSequentialIds(),
    notifier: createRecordingNotifier(),
    policy: DEFAULT_APPROVAL_POLICY,
    catalog: CATALOG,
    vocabulary: TEST_VOCABULARY,
    breakerLimits: DEFAULT_BREAKER_LIMITS,
    ladder: DEFAULT_LADDER,
    leaseS: 30,
    maxAttempts: 3,
  };
}

const parse = (text: string) => parseRequest(text, { vocabulary: TEST_VOCABULARY });

describe('the parser: chatter, guesses and command lines', () => {
  it.each(['hi', 'thanks!', 'ok', 'lol', '👍', 'Hello there', 'thank you very much', '🙏🎉'])(
    'answers "%s" with help and makes no task',
    (text) => {
      expect(parse(text)).toMatchObject({
        type: 'chatter',
        reply: expect.stringContaining('/help'),
      });
    },
  );

  it('keeps a command line a command line, however chatty its words', () => {
    expect(parse('$ yes')).toMatchObject({
      type: 'clarify',
      draft: { kind: 'shell', argv: ['yes'] },
    });
  });

  it('marks a reading only the fallback to the default agent could make as a guess', () => {
    for (const text of ['make onboarding nicer', 'haha nice one, see you tomorrow', 'hi codex']) {
      expect(parse(text)).toMatchObject({
        type: 'task',
        guess: true,
        draft: { kind: 'agent', executor: 'codex', prompt: text },
      });
    }
  });

  it('keeps explicit requests, templates and run-on-host commands sure (no guess)', () => {
    for (const text of [
      'ask codex to fix the flaky login test',
      'claude: summarise the TODOs',
      'deploy api to staging',
      'run `uname -s` on local',
      'second opinion: is this migration safe?',
    ]) {
      expect(parse(text)).toMatchObject({ type: 'task', guess: false });
    }
  });

  it('reads a command line that names a host as a shell task, never an agent prompt', () => {
    expect(parse('df -h on build-vm')).toMatchObject({
      type: 'task',
      guess: false,
      draft: { kind: 'shell', host: 'build-vm', argv: ['df', '-h'] },
    });
    expect(parse('restart nginx on build-vm')).toMatchObject({
      type: 'task',
      draft: { kind: 'shell', host: 'build-vm', argv: ['restart', 'nginx'] },
    });
    expect(parse('run npm test on build-vm in api')).toMatchObject({
      type: 'task',
      draft: { kind: 'shell', host: 'build-vm', repo: 'api', argv: ['npm', 'test'] },
    });
    // A sentence that names a host is still a prompt (a guess), not argv.
    expect(parse('fix the login bug on build-vm')).toMatchObject({
      type: 'task',
      guess: true,
      draft: { kind: 'agent', host: 'build-vm' },
    });
    // An unknown place is no command line either.
    expect(parse('df -h on nowhere-box')).toMatchObject({ draft: { kind: 'agent' } });
  });
});

describe('a guess waits behind one Run tap (every channel: it is decided in core)', () => {
  it('puts a low-risk guess behind a confirm gate, audited, and runs it after one button tap', async () => {
    const deps = setup();
    const parsed = await parseText({
      deps,
      actor: OWNER,
      input: { text: 'make onboarding nicer' },
    });
    if (!parsed.ok || parsed.value.type !== 'task') throw new Error('expected a task');
    expect(parsed.value.assessment).toMatchObject({ risk: 'low', gate: 'confirm' });
    const submitted = await submitTask({
      deps,
      actor: OWNER,
      input: { draft: parsed.value.draft, guess: parsed.value.guess },
    });
    if (!submitted.ok) throw new Error('expected a task');
    const { task, approval } = submitted.value;
    expect(task).toMatchObject({ status: 'awaiting_approval', gate: 'confirm', risk: 'low' });
    expect(approval).toMatchObject({ gate: 'confirm', requiredPhrase: null, status: 'pending' });
    const audit = await deps.audit.listBySubject(taskSubject(task.id), 50);
    expect(audit.map((a) => a.action)).toEqual(['task.submitted', 'task.approval_requested']);
    expect(audit[0]?.detail).toMatchObject({ guess: true, gate: 'confirm' });

    const typed = await approveTask({
      deps,
      actor: OWNER,
      input: { taskId: task.id, phrase: 'run', via: 'phrase' },
    });
    expect(typed).toEqual({
      ok: false,
      error: { code: 'tap_required', taskId: task.id, gate: 'confirm' },
    });
    const run = await approveTask({
      deps,
      actor: OWNER,
      input: { taskId: task.id, via: 'button' },
    });
    expect(run.ok && run.value.status).toBe('queued');
  });

  it('never lowers the gate a guess already meets, and leaves sure requests at 0 taps', async () => {
    const deps = setup();
    const staging: TaskDraft = {
      kind: 'template',
      template: 'deploy',
      environment: 'staging',
      params: {},
    };
    const gated = await submitTask({ deps, actor: OWNER, input: { draft: staging, guess: true } });
    expect(gated.ok && gated.value.task.gate).toBe('tap');
    const sure = await submitTask({
      deps,
      actor: OWNER,
      input: { draft: { kind: 'agent', prompt: 'fix it', executor: 'codex' } },
    });
    expect(sure.ok && sure.value.task.status).toBe('queued');
  });
});

describe('a reply is not an approval', () => {
  it('refuses typed text on a tap gate, whatever it says, and records no approval', async () => {
    const deps = setup();
    const draft: TaskDraft = { kind: 'shell', host: 'local', argv: ['touch', 'x'] };
    const submitted = await submitTask({ deps, actor: OWNER, input: { draft } });
    if (!submitted.ok) throw new Error('expected a task');
    const { task } = submitted.value;
    expect(task.gate).toBe('tap');
    for (const phrase of ['no', 'NO! do not run this', 'approve', '👍', 'DEPLOY TO PRODUCTION']) {
      const r = await approveTask({
        deps,
        actor: APPROVER,
        input: { taskId: task.id, phrase, via: 'phrase' },
      });
      expect(r).toEqual({
        ok: false,
        error: { code: 'tap_required', taskId: task.id, gate: 'tap' },
      });
    }
    expect((await deps.tasks.get(task.id))?.status).toBe('awaiting_approval');
    const audit = await deps.audit.listBySubject(taskSubject(task.id), 50);
    expect(audit.map((a) => a.action)).not.toContain('task.approved');
    const tapped = await approveTask({
      deps,
      actor: APPROVER,
      input: { taskId: task.id, via: 'button' },
    });
    expect(tapped.ok && tapped.value.status).toBe('queued');
  });
});
