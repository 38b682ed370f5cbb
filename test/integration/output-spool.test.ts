import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOutputSpool } from '../../src/runner/output-spool.js';
import { makeTempDir } from '../helpers/temp-db.js';

describe('output spool', () => {
  it('keeps the whole output up to its cap, then stops with a marker instead of filling the disk', () => {
    const spool = createOutputSpool(makeTempDir(), 't-1', 1, 1_000);
    for (let i = 0; i < 100; i++) spool.write('stdout', 'x'.repeat(99) + '\n');
    spool.write('stderr', 'late\n');
    const text = readFileSync(spool.path, 'utf8');
    expect(statSync(spool.path).size).toBeLessThan(1_100);
    expect(text.startsWith('x'.repeat(99) + '\n')).toBe(true);
    expect(text).toMatch(/output beyond 1000 bytes was not kept/);
    expect(text).not.toContain('late');
  });

  it('marks stderr lines so the file reads like a terminal', () => {
    const spool = createOutputSpool(makeTempDir(), 't-2', 1);
    spool.write('stdout', 'out\n');
    spool.write('stderr', 'err1\nerr2\n');
    expect(readFileSync(spool.path, 'utf8')).toBe('out\n! err1\n! err2\n');
  });
});
