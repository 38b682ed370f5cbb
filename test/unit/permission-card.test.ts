import { describe, expect, it } from 'vitest';
import {
  parseCallback,
  parsePermissionCallback,
  permissionCallback,
} from '../../src/bot/callback-data.js';
import { permissionCard, TOOL_INPUT_CHARS } from '../../src/bot/views/permission-card.js';
import type { PermissionRequest } from '../../src/core/permission.js';
import { aTask } from '../helpers/builders.js';

const ID = '01900000-0000-7000-8000-0000000000bb';
const request = (o: Partial<PermissionRequest> = {}): PermissionRequest => ({
  id: ID,
  taskId: '01900000-0000-7000-8000-000000000001',
  toolName: 'Bash',
  input: { command: 'rm -rf <b>build</b> *', description: 'clean' },
  status: 'pending',
  requester: 'agent:x',
  decidedBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:02:00.000Z',
  decidedAt: null,
  ...o,
});
const task = aTask({
  id: '01900000-0000-7000-8000-000000000001',
  kind: 'agent',
  executor: 'claude-sonnet',
  host: 'build-vm',
  prompt: 'tidy up',
  argv: null,
});

describe('permission card', () => {
  it('names who wants which tool, shows the command verbatim, and offers two buttons', () => {
    const card = permissionCard(request(), task);
    const [first, , body] = card.text.text.split('\n');
    expect(first).toBe('🔐 claude-sonnet on build-vm wants to use Bash');
    expect(body).toBe('rm -rf <b>build</b> *');
    // Plain text with entities: the agent's markup-looking text is never parsed.
    expect(card.text.entities.map((e) => e.type)).toEqual(['bold', 'pre', 'code']);
    expect(card.keyboard.flat().map((b) => b.text)).toEqual(['Approve once', 'Deny']);
    const data = card.keyboard.flat().map((b) => ('callback_data' in b ? b.callback_data : ''));
    expect(data.map(parsePermissionCallback)).toEqual([
      { action: 'allow', requestId: ID },
      { action: 'deny', requestId: ID },
    ]);
  });

  it('caps a long input and falls back to the JSON for tools without a telling field', () => {
    const long = permissionCard(request({ input: { command: 'y'.repeat(5_000) } }), task);
    expect(long.text.text).toContain(`${'y'.repeat(TOOL_INPUT_CHARS - 1)}…`);
    expect(long.text.text).not.toContain('y'.repeat(TOOL_INPUT_CHARS));
    const odd = permissionCard(request({ toolName: 'mcp__x__y', input: { n: 1 } }), task);
    expect(odd.text.text).toContain('"n": 1');
  });

  it('once decided shows the outcome and who decided, without buttons', () => {
    const cases = [
      [request({ status: 'allowed', decidedBy: 'lead' }), '✅ Approved once by lead'],
      [request({ status: 'denied', decidedBy: 'ops' }), '⛔ Denied by ops'],
      [request({ status: 'expired' }), '⌛ Denied by timeout: nobody answered in time'],
    ] as const;
    for (const [r, line] of cases) {
      const card = permissionCard(r, task);
      expect(card.text.text.split('\n')[0]).toBe('🔐 claude-sonnet on build-vm wanted to use Bash');
      expect(card.text.text.split('\n').at(-1)).toBe(line);
      expect(card.keyboard).toEqual([]);
    }
  });
});

describe('permission callback data', () => {
  it('fits in 64 bytes, round-trips, and is not mistaken for a task action', () => {
    for (const action of ['allow', 'deny'] as const) {
      const data = permissionCallback(action, ID);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(parsePermissionCallback(data)).toEqual({ action, requestId: ID });
      expect(parseCallback(data)).toBeNull();
    }
    for (const bad of [
      'pa:',
      'pa:xyz',
      `px:${'a'.repeat(32)}`,
      `pa:${'a'.repeat(33)}`,
      'ap:' + 'a'.repeat(32),
    ])
      expect(parsePermissionCallback(bad)).toBeNull();
    expect(() => permissionCallback('allow', 'not-a-uuid')).toThrow();
  });
});
