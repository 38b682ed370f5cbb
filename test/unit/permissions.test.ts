import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import { permissionSubject } from '../../src/core/audit.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { createRecordingNotifier } from '../../src/core/fakes/recording-notifier.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import { agentActor, agentTaskId } from '../../src/core/permission.js';
import { awaitPermission } from '../../src/core/use-cases/await-permission.js';
import { decidePermission } from '../../src/core/use-cases/decide-permission.js';
import { expireOverduePermissions } from '../../src/core/use-cases/expire-overdue-permissions.js';
import { requestPermission } from '../../src/core/use-cases/request-permission.js';
import { aTask } from '../helpers/builders.js';

const OWNER: Actor = { id: 'ops', role: 'owner', channel: 'telegram' };
const APPROVER: Actor = { id: 'ann', role: 'approver', channel: 'telegram' };
const VIEWER: Actor = { id: 'vic', role: 'viewer', channel: 'telegram' };
const TASK = '01900000-0000-7000-8000-000000000001';
const AGENT = agentActor(TASK);

async function setup(status: 'running' | 'succeeded' = 'running') {
  const clock = createFixedClock('2026-01-01T00:00:00.000Z');
  const notifier = createRecordingNotifier();
  const stores = createMemoryStores();
  await stores.tasks.create(aTask({ id: TASK, status, kind: 'agent', fencingToken: 1 }), null, []);
  const slept: number[] = [];
  const deps = {
    ...stores,
    clock,
    ids: createSequentialIds(),
    notifier,
    // The fake sleep moves the fixed clock: waiting takes no real time.
    sleep: async (ms: number) => {
      slept.push(ms);
      clock.advance(ms);
    },
  };
  const ask = (timeoutS = 60) =>
    requestPermission({
      deps,
      actor: AGENT,
      input: { taskId: TASK, toolName: 'Bash', input: { command: 'rm -rf build' }, timeoutS },
    });
  return { deps, clock, notifier, stores, slept, ask };
}

describe('agent permission requests', () => {
  it('an agent asks, approvers are told, an approver allows it once and the wait ends allowed', async () => {
    const { deps, notifier, ask, stores } = await setup();
    const asked = await ask();
    if (!asked.ok) throw new Error(asked.error.code);
    expect(asked.value).toMatchObject({
      status: 'pending',
      requester: `agent:${TASK}`,
      expiresAt: '2026-01-01T00:01:00.000Z',
    });
    expect(notifier.events.map((e) => e.type)).toEqual(['permission.requested']);
    const decided = await decidePermission({
      deps,
      actor: APPROVER,
      input: { requestId: asked.value.id, allow: true },
    });
    expect(decided).toMatchObject({ ok: true, value: { status: 'allowed', decidedBy: 'ann' } });
    expect(notifier.events.map((e) => e.type)).toEqual([
      'permission.requested',
      'permission.decided',
    ]);
    const waited = await awaitPermission({
      deps,
      actor: AGENT,
      input: { requestId: asked.value.id },
    });
    expect(waited).toMatchObject({ ok: true, value: { status: 'allowed' } });
    const trail = await stores.audit.listBySubject(permissionSubject(asked.value.id), 10);
    expect(trail.map((e) => [e.action, e.actor])).toEqual([
      ['permission.requested', `agent:${TASK}`],
      ['permission.allowed', 'ann'],
    ]);
  });

  it('a decision made while the agent waits ends the wait with a deny', async () => {
    const { deps, ask, slept } = await setup();
    const asked = await ask();
    if (!asked.ok) throw new Error(asked.error.code);
    let looks = 0;
    const waited = await awaitPermission({
      deps: {
        ...deps,
        sleep: async (ms) => {
          await deps.sleep(ms);
          if (++looks === 3)
            await decidePermission({
              deps,
              actor: OWNER,
              input: { requestId: asked.value.id, allow: false },
            });
        },
      },
      actor: AGENT,
      input: { requestId: asked.value.id, pollMs: 1_000 },
    });
    expect(waited).toMatchObject({ ok: true, value: { status: 'denied', decidedBy: 'ops' } });
    expect(slept).toEqual([1_000, 1_000, 1_000]);
  });

  it('nobody answering in time counts as a deny, recorded as expired, and cards are told', async () => {
    const { deps, ask, notifier, stores, clock } = await setup();
    const asked = await ask(5);
    if (!asked.ok) throw new Error(asked.error.code);
    const waited = await awaitPermission({
      deps,
      actor: AGENT,
      input: { requestId: asked.value.id, pollMs: 2_000 },
    });
    expect(waited).toMatchObject({
      ok: true,
      value: { status: 'expired', decidedBy: null, decidedAt: '2026-01-01T00:00:05.000Z' },
    });
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:05.000Z');
    const last = notifier.events.at(-1);
    expect(last).toMatchObject({ type: 'permission.decided', request: { status: 'expired' } });
    expect((await stores.permissions.get(asked.value.id))?.status).toBe('expired');
    const trail = await stores.audit.listBySubject(permissionSubject(asked.value.id), 10);
    expect(trail.map((e) => e.action)).toContain('permission.expired');
  });

  it('a second decision and a decision after expiry change nothing', async () => {
    const { deps, ask, clock, notifier } = await setup();
    const first = await ask();
    if (!first.ok) throw new Error(first.error.code);
    await decidePermission({
      deps,
      actor: APPROVER,
      input: { requestId: first.value.id, allow: false },
    });
    const again = await decidePermission({
      deps,
      actor: OWNER,
      input: { requestId: first.value.id, allow: true },
    });
    expect(again).toEqual({
      ok: false,
      error: {
        code: 'permission_decided',
        requestId: first.value.id,
        status: 'denied',
        decidedBy: 'ann',
      },
    });
    expect((await deps.permissions.get(first.value.id))?.status).toBe('denied');

    const second = await ask(10);
    if (!second.ok) throw new Error(second.error.code);
    clock.advance(10_000);
    const late = await decidePermission({
      deps,
      actor: OWNER,
      input: { requestId: second.value.id, allow: true },
    });
    expect(late).toMatchObject({
      ok: false,
      error: { code: 'permission_decided', status: 'expired' },
    });
    expect((await deps.permissions.get(second.value.id))?.status).toBe('expired');
    expect(notifier.events.at(-1)).toMatchObject({
      type: 'permission.decided',
      request: { id: second.value.id, status: 'expired' },
    });
  });

  it('viewers may not decide, and other actors may not ask for a task that is not theirs', async () => {
    const { deps, ask, stores } = await setup();
    const asked = await ask();
    if (!asked.ok) throw new Error(asked.error.code);
    const refused = await decidePermission({
      deps,
      actor: VIEWER,
      input: { requestId: asked.value.id, allow: true },
    });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'forbidden', action: 'permission.decide', role: 'viewer' },
    });
    expect((await stores.permissions.get(asked.value.id))?.status).toBe('pending');
    for (const actor of [OWNER, agentActor('01900000-0000-7000-8000-0000000000ff')]) {
      const other = await requestPermission({
        deps,
        actor,
        input: { taskId: TASK, toolName: 'Bash', input: {} },
      });
      expect(other).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(agentTaskId(AGENT)).toBe(TASK);
    expect(agentTaskId(VIEWER)).toBeNull();
  });

  it('an agent of a task that is not running cannot ask', async () => {
    const { ask } = await setup('succeeded');
    expect(await ask()).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
  });

  it('the sweep expires overdue requests only', async () => {
    const { deps, ask, clock } = await setup();
    const short = await ask(5);
    const long = await ask(50);
    if (!short.ok || !long.ok) throw new Error('ask failed');
    clock.advance(5_000);
    expect(await expireOverduePermissions({ deps })).toEqual([short.value.id]);
    expect(await expireOverduePermissions({ deps })).toEqual([]);
    expect((await deps.permissions.get(long.value.id))?.status).toBe('pending');
  });
});
