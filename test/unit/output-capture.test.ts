import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../src/runner/output-capture.js';

/** What the capture must equal: the whole stream, cut to its first and last `limit / 2` bytes. */
function expected(stream: Buffer, limit: number): { text: string; truncated: boolean } {
  const half = Math.max(1, Math.floor(limit / 2));
  if (stream.length <= 2 * half) return { text: stream.toString(), truncated: false };
  const head = stream.subarray(0, half).toString();
  const tail = stream.subarray(stream.length - half).toString();
  const dropped = stream.length - 2 * half;
  return { text: `${head}\n... ${dropped} bytes omitted ...\n${tail}`, truncated: true };
}

/** A deterministic stream of printable bytes cut into chunks of varied sizes (0 included). */
function chunked(total: number, seed: number, maxChunk: number): Buffer[] {
  let s = seed;
  const next = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31);
  const bytes = Buffer.from(Array.from({ length: total }, (_, i) => 0x41 + (i % 26)));
  const chunks: Buffer[] = [];
  for (let at = 0; at < total;) {
    const size = next() % (maxChunk + 1);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('OutputCapture', () => {
  it('keeps exactly the head and tail of the stream, however it is chunked', () => {
    for (const limit of [1, 2, 7, 10, 64]) {
      for (const total of [0, 1, 5, 10, 11, 63, 64, 65, 300, 1_000]) {
        for (const maxChunk of [1, 3, 16, 200]) {
          const chunks = chunked(total, limit * 1_000 + total, maxChunk);
          const capture = new OutputCapture(limit);
          chunks.forEach((c) => capture.push(c));
          const got = capture.result();
          const want = expected(Buffer.concat(chunks), limit);
          expect(
            { text: got.text, truncated: got.truncated },
            `${limit}/${total}/${maxChunk}`,
          ).toEqual(want);
          expect(got.totalBytes).toBe(total);
        }
      }
    }
  });

  it('grows its tail in steps and wraps it once full, with the same result', () => {
    const limit = 40_000; // a 20,000-byte tail: grown from 4 KiB through 8 and 16 KiB
    for (const total of [19_999, 20_000, 20_001, 40_000, 40_001, 45_000, 100_000]) {
      for (const maxChunk of [700, 5_000, 30_000]) {
        const chunks = chunked(total, total + maxChunk, maxChunk);
        const capture = new OutputCapture(limit);
        chunks.forEach((c) => capture.push(c));
        const got = capture.result();
        const want = expected(Buffer.concat(chunks), limit);
        expect({ text: got.text, truncated: got.truncated }, `${total}/${maxChunk}`).toEqual(want);
      }
    }
  });

  it('copies what it keeps: a chunk reused after push does not change the result', () => {
    const capture = new OutputCapture(8);
    const reused = Buffer.alloc(6);
    for (const text of ['abcdef', 'ghijkl', 'mnopqr']) {
      reused.write(text);
      capture.push(reused);
    }
    reused.fill('x');
    expect(capture.result().text).toBe('abcd\n... 10 bytes omitted ...\nopqr');
  });

  it('decodes head and tail as if each were a stream of its own, cut characters included', () => {
    // Multi-byte characters and invalid bytes, so cuts land inside characters everywhere.
    const alphabet = ['a', '\n', 'é', '✓', '🚀', '\u2028'].map((c) => Buffer.from(c));
    alphabet.push(Buffer.from([0xff]), Buffer.from([0x82]), Buffer.from([0xe2, 0x82]));
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let round = 0; round < 300; round++) {
      const stream = Buffer.concat(
        Array.from({ length: 1 + next(60) }, () => alphabet[next(alphabet.length)]!),
      );
      const limit = 1 + next(40);
      const capture = new OutputCapture(limit);
      for (let at = 0; at < stream.length;) {
        const size = 1 + next(9);
        capture.push(stream.subarray(at, at + size));
        at += size;
      }
      const got = capture.result();
      expect({ text: got.text, truncated: got.truncated }, `round ${round}`).toEqual(
        expected(stream, limit),
      );
      expect(got.totalBytes).toBe(stream.length);
    }
  });

  it('decodes a multi-byte character split across chunks whole', () => {
    const capture = new OutputCapture(1_000);
    const bytes = Buffer.from('é → ✓ 🚀 done');
    for (let i = 0; i < bytes.length; i++) capture.push(bytes.subarray(i, i + 1));
    expect(capture.result()).toEqual({
      text: 'é → ✓ 🚀 done',
      totalBytes: bytes.length,
      truncated: false,
    });
  });
});
