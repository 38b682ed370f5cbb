import { describe, expect, it } from 'vitest';
import { completionJson } from '../../src/runner/http-work-source.js';

const report = { fencing_token: 7, outcome: 'succeeded', result: { exitCode: 0, summary: 'ok' } };
const counts = { stdoutBytes: 3, stderrBytes: 0, truncated: false };

describe('completion JSON in pieces', () => {
  it('parses back to the report with its output', () => {
    const output = { stdout: 'hi\n', stderr: '', ...counts };
    const text = [...completionJson(report, output)].join('');
    expect(JSON.parse(text)).toEqual({ ...report, output });
  });

  it('escapes every slice, so quotes, controls, NULs and a split surrogate pair survive', () => {
    // 64 Ki chars a slice: put the pair's halves on both sides of the first boundary.
    const stdout = `${'a'.repeat(64 * 1024 - 1)}😀"\\\n\0\u2028${'y\n'.repeat(70_000)}`;
    const stderr = `${'é'.repeat(200_000)}\t`;
    const output = { stdout, stderr, stdoutBytes: 1e9, stderrBytes: 400_001, truncated: true };
    const pieces = [...completionJson(report, output)];
    expect(pieces.length).toBeGreaterThan(4);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(6 * 64 * 1024);
    // Each piece is sent as UTF-8 on its own, where a lone surrogate would turn into U+FFFD.
    const bytes = Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8')));
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ ...report, output });
  });
});
