import { ByteRing } from './byte-ring.js';

/**
 * The latest output of a run, stdout and stderr as they arrived, for live progress. It keeps
 * the last `maxBytes` raw bytes in a ring and decodes them only when asked (every couple of
 * seconds), not every chunk as it arrives: decoding each chunk of a GiB-long stream made a
 * GiB of short-lived strings, and a heap busy with garbage grows.
 *
 * Characters stay whole: a chunk that ends inside a multi-byte character holds those bytes
 * back until its stream's next chunk, so the other stream cannot land between them.
 */
export class OutputTail {
  private readonly ring: ByteRing;
  private readonly carry = { stdout: EMPTY, stderr: EMPTY };

  constructor(maxBytes: number) {
    this.ring = new ByteRing(maxBytes);
  }

  push(stream: 'stdout' | 'stderr', chunk: Uint8Array): void {
    const carried = this.carry[stream];
    const bytes = carried.length > 0 ? Buffer.concat([carried, chunk]) : chunk;
    const cut = bytes.length - unfinishedSuffix(bytes);
    this.ring.write(bytes.subarray(0, cut));
    this.carry[stream] = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : EMPTY;
  }

  /** The last `maxChars` characters (fewer when less arrived). */
  text(maxChars: number): string {
    const bytes = this.ring.bytes();
    // The oldest bytes may start inside a character that fell out of the ring.
    let start = 0;
    while (start < 3 && start < bytes.length && isContinuation(bytes[start]!)) start++;
    const text = bytes.subarray(start).toString('utf8');
    return text.length > maxChars ? text.slice(-maxChars) : text;
  }
}

const EMPTY = Buffer.alloc(0);

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

/** Bytes at the end that begin a multi-byte character still missing its last bytes (0–3). */
function unfinishedSuffix(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (isContinuation(byte)) continue;
    const needs = byte < 0xc0 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : byte < 0xf8 ? 4 : 1;
    return needs > back ? back : 0;
  }
  return 0;
}
