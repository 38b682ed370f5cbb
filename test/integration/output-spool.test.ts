import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutputSpool } from '../../src/runner/output-spool.js';
import { makeTempDir } from '../helpers/temp-db.js';

const bytes = (text: string) => Buffer.from(text);

/** The spool's file; fails the test when the spool says there is none. */
function fileOf(spool: { readonly path: string | null }): string {
  expect(spool.path).not.toBeNull();
  return spool.path ?? '';
}

describe('output spool', () => {
  it('keeps the whole output up to its cap, then stops with a marker instead of filling the disk', () => {
    const spool = createOutputSpool(makeTempDir(), 't-1', 1, 1_000);
    for (let i = 0; i < 100; i++) spool.write('stdout', bytes('x'.repeat(99) + '\n'));
    spool.write('stderr', bytes('late\n'));
    spool.close();
    const text = readFileSync(fileOf(spool), 'utf8');
    expect(statSync(fileOf(spool)).size).toBeLessThan(1_100);
    expect(text.startsWith('x'.repeat(99) + '\n')).toBe(true);
    expect(text).toMatch(/output beyond 1000 bytes was not kept/);
    expect(text).not.toContain('late');
  });

  it('marks stderr lines so the file reads like a terminal', () => {
    const spool = createOutputSpool(makeTempDir(), 't-2', 1);
    spool.write('stdout', bytes('out\n'));
    spool.write('stderr', bytes('err1\nerr2\n'));
    spool.close();
    expect(readFileSync(fileOf(spool), 'utf8')).toBe('out\n! err1\n! err2\n');
  });

  it('marks a stderr line that arrives in pieces once, at its start', () => {
    const spool = createOutputSpool(makeTempDir(), 't-5', 1);
    for (const piece of ['Error: ', 'disk ', 'full\n\nhint', ': free ', 'space\n', '', 'next\n']) {
      spool.write('stderr', bytes(piece));
    }
    spool.close();
    expect(readFileSync(fileOf(spool), 'utf8')).toBe(
      '! Error: disk full\n\n! hint: free space\n! next\n',
    );
  });

  it('keeps the bytes as printed: invalid UTF-8, split characters, the cut at the cap', () => {
    const spool = createOutputSpool(makeTempDir(), 't-6', 1, 12);
    const euro = Buffer.from('€');
    spool.write('stdout', Buffer.from([0xff, 0xfe, 0x41]));
    spool.write('stdout', euro.subarray(0, 1));
    spool.write('stdout', euro.subarray(1));
    spool.write('stdout', Buffer.from('0123456789'));
    spool.close();
    const file = readFileSync(fileOf(spool));
    expect(file.subarray(0, 12)).toEqual(
      Buffer.concat([Buffer.from([0xff, 0xfe, 0x41]), euro, Buffer.from('012345')]),
    );
    expect(file.subarray(12).toString()).toBe('\n… output beyond 12 bytes was not kept …\n');
  });

  it('leaves no file, and no path, when the command printed nothing', () => {
    const dir = join(makeTempDir(), 'spool');
    const spool = createOutputSpool(dir, 't-3', 1);
    spool.close();
    expect(spool.path).toBeNull();
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('appends to one open file across many writes and can be closed twice', () => {
    const spool = createOutputSpool(makeTempDir(), 't-4', 2);
    for (let i = 0; i < 1_000; i++) spool.write('stdout', bytes(`${i}\n`));
    spool.close();
    spool.close();
    const lines = readFileSync(fileOf(spool), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1_000);
    expect(lines.at(-1)).toBe('999');
    expect(fileOf(spool)).toMatch(/t-4\.2\.log$/);
  });
});
