import { describe, expect, it } from 'vitest';
import { formatConfigError, loadConfig } from '../../src/entry/config/load-config.js';
import { createClaudeProfile, readClaudeUsage } from '../../src/runner/executors/claude.js';
import { createCodexProfile, readCodexUsage } from '../../src/runner/executors/codex.js';
import { createExecutorProfile } from '../../src/runner/executors/registry.js';
import { createUsageMeter, priceTokens } from '../../src/runner/executors/usage-meter.js';

const line = (e: object) => `${JSON.stringify(e)}\n`;
const assistant = (id: string, input: number, output: number) =>
  line({
    type: 'assistant',
    message: { id, usage: { input_tokens: input, output_tokens: output } },
  });
const SONNET = { inputPerMtok: 3, outputPerMtok: 15 };

describe('usage meter', () => {
  it('prices streamed claude usage, counting a message repeated across events once', () => {
    const meter = createClaudeProfile({ name: 'c', model: null, price: SONNET }).meter!();
    expect(meter.costUsd()).toBe(0);
    meter.push(assistant('m1', 1_000_000, 0));
    expect(meter.costUsd()).toBeCloseTo(3, 9);
    // The same message again (one event per content block), then a second message.
    meter.push(assistant('m1', 1_000_000, 0) + assistant('m2', 0, 100_000));
    expect(meter.costUsd()).toBeCloseTo(4.5, 9);
  });

  it('reads lines split across chunks, and lets the CLI’s own total win', () => {
    const meter = createUsageMeter(readClaudeUsage, SONNET);
    const text = assistant('m1', 0, 1_000_000);
    meter.push(text.slice(0, 20));
    expect(meter.costUsd()).toBe(0);
    meter.push(text.slice(20));
    expect(meter.costUsd()).toBeCloseTo(15, 9);
    meter.push(line({ type: 'result', subtype: 'success', total_cost_usd: 0.42 }));
    expect(meter.costUsd()).toBe(0.42);
  });

  it('has no figure without a price or a streamed total', () => {
    const meter = createUsageMeter(readClaudeUsage, null);
    meter.push(assistant('m1', 10, 10) + 'not json\n{broken\n');
    expect(meter.costUsd()).toBeNull();
  });

  it('sums codex turns from turn.completed events', () => {
    const meter = createCodexProfile({
      name: 'codex',
      model: null,
      price: { inputPerMtok: 1, outputPerMtok: 10 },
    }).meter!();
    const turn = (input: number, output: number) =>
      line({ type: 'turn.completed', usage: { input_tokens: input, output_tokens: output } });
    meter.push(line({ type: 'thread.started', thread_id: 't' }) + turn(500_000, 50_000));
    expect(meter.costUsd()).toBeCloseTo(1, 9);
    meter.push(turn(500_000, 50_000));
    expect(meter.costUsd()).toBeCloseTo(2, 9);
    expect(readCodexUsage({ type: 'item.completed' }, 0)).toBeNull();
  });

  it('prices tokens per million', () => {
    expect(priceTokens(SONNET, 2_000, 1_000)).toBeCloseTo(0.021, 12);
  });

  it('gives configured executors their price; gemini is priced at the end only', () => {
    const price = { inputPerMtok: 0.3, outputPerMtok: 2.5 };
    const gemini = createExecutorProfile({ name: 'g', cli: 'gemini', model: null, price });
    expect(gemini.price).toEqual(price);
    expect(gemini.meter).toBeUndefined();
    expect(createExecutorProfile({ name: 'c', cli: 'codex', model: null }).price).toBeNull();
  });
});

describe('spend config', () => {
  const load = (yaml: string) =>
    loadConfig({
      env: { SWITCHBOARD_CONFIG: '/cfg/switchboard.yaml' },
      cwd: '/cfg',
      version: 'test',
      readFile: (p) => (p === '/cfg/switchboard.yaml' ? yaml : ''),
    });

  it('reads executors’ prices and estimates, and the default estimate', () => {
    const r = load(
      [
        'executors:',
        '  - { name: codex, cli: codex, price: { input_per_mtok: 1.25, output_per_mtok: 10 }, estimate_usd: 0.2 }',
        '  - { name: claude-opus, cli: claude, model: opus }',
        'breakers: { day_block_usd: 30, estimate_usd: 1 }',
      ].join('\n'),
    );
    if (!r.ok) throw new Error(formatConfigError(r.error));
    expect(r.value.executors[0]).toMatchObject({
      price: { inputPerMtok: 1.25, outputPerMtok: 10 },
      estimateUsd: 0.2,
    });
    expect(r.value.breakers).toEqual({
      taskWarnUsd: 2,
      taskHaltUsd: 5,
      dayBlockUsd: 30,
      monthFlagUsd: 80,
      defaultEstimateUsd: 1,
      estimateUsd: { codex: 0.2 },
    });
  });

  it('refuses a negative price', () => {
    const r = load(
      'executors:\n  - { name: codex, cli: codex, price: { input_per_mtok: -1, output_per_mtok: 1 } }',
    );
    expect(r.ok).toBe(false);
  });
});
