import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../src/runner/output-tail.js';

type Stream = 'stdout' | 'stderr';

/** Text with 1-, 2-, 3- and 4-byte characters. */
const SAMPLE = 'ab é ✓ 🚀 z\n'.repeat(40);

/** Cuts each stream into chunks of 1–`max` bytes (split characters included) and interleaves them. */
function interleaved(out: string, err: string, max: number, seed: number) {
  let s = seed;
  const next = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31);
  const cut = (text: string) => {
    const bytes = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      const size = 1 + (next() % max);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    return chunks;
  };
  const queues: Record<Stream, Buffer[]> = { stdout: cut(out), stderr: cut(err) };
  const order: [Stream, Buffer][] = [];
  while (queues.stdout.length || queues.stderr.length) {
    const stream: Stream =
      queues.stderr.length && (next() % 2 || !queues.stdout.length) ? 'stderr' : 'stdout';
    order.push([stream, queues[stream].shift()!]);
  }
  return order;
}

describe('OutputTail', () => {
  it('gives the last characters of one stream whole, however its bytes were cut', () => {
    for (const max of [1, 2, 3, 5, 64]) {
      const tail = new OutputTail(400);
      for (const [stream, chunk] of interleaved(SAMPLE, '', max, max)) tail.push(stream, chunk);
      const text = tail.text(50);
      expect(text, `chunks of up to ${max}`).toBe(SAMPLE.slice(-text.length));
      expect(text).toHaveLength(50);
    }
  });

  it('keeps characters whole when the other stream arrives between their bytes', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const tail = new OutputTail(100_000);
      const out = '✓🚀é'.repeat(30);
      const err = 'ü€𝄞'.repeat(30);
      for (const [stream, chunk] of interleaved(out, err, 2, seed)) tail.push(stream, chunk);
      const text = tail.text(1_000);
      expect(text).not.toContain('\ufffd');
      // Each stream's characters, taken out of the mix, are that stream's text in order.
      expect([...text].filter((c) => '✓🚀é'.includes(c)).join('')).toBe(out);
      expect([...text].filter((c) => 'ü€𝄞'.includes(c)).join('')).toBe(err);
    }
  });

  it('drops a character the ring cut in half rather than showing its remains', () => {
    const tail = new OutputTail(6); // '€' is 3 bytes: 7 bytes in, the ring keeps its last 2
    tail.push('stdout', Buffer.from('€abcd'));
    expect(tail.text(10)).toBe('abcd');
  });

  it('shows nothing before output, and bytes that are not UTF-8 as U+FFFD', () => {
    const tail = new OutputTail(64);
    expect(tail.text(10)).toBe('');
    tail.push('stderr', Buffer.from([0x41, 0xff, 0x42]));
    expect(tail.text(10)).toBe('A\ufffdB');
  });
});
