import { StringDecoder } from 'node:string_decoder';
import { STORED_OUTPUT_BYTES } from '../core/stage.js';
import type { CapturedOutput } from './transport.js';

/** Per stream: stdout and stderr together stay within the stored-output cap. */
export const DEFAULT_CAPTURE_BYTES = STORED_OUTPUT_BYTES / 2;

/**
 * Keeps the first and last `limit / 2` bytes of a stream, so memory stays bounded however
 * much a command prints; what fell out of the middle is replaced by a marker.
 *
 * Both ends are copies, never views of the pushed chunks: a chunk from a socket is a view into
 * the whole read buffer behind it, and a tail of views kept every buffer it touched alive long
 * enough for V8 to promote it to the old generation, where it waited for a full GC. Streaming a
 * GiB that way grew RSS by tens of MiB; copies let the read buffers die young.
 */
export class OutputCapture {
  private readonly half: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  /** The tail, written round: it grows by doubling to `half`, then wraps at `ringEnd`. */
  private ring: Buffer = Buffer.alloc(0);
  private ringEnd = 0;
  private ringFilled = 0;
  private total = 0;

  constructor(limitBytes = DEFAULT_CAPTURE_BYTES) {
    this.half = Math.max(1, Math.floor(limitBytes / 2));
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.half) {
      const take = rest.subarray(0, this.half - this.headBytes);
      this.head.push(Buffer.from(take));
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length > 0) this.pushTail(rest);
  }

  private pushTail(bytes: Uint8Array): void {
    const keep = bytes.length > this.half ? bytes.subarray(bytes.length - this.half) : bytes;
    this.reserve(keep.length);
    const first = Math.min(keep.length, this.ring.length - this.ringEnd);
    this.ring.set(keep.subarray(0, first), this.ringEnd);
    this.ring.set(keep.subarray(first), 0);
    this.ringEnd = (this.ringEnd + keep.length) % this.ring.length;
    this.ringFilled = Math.min(this.half, this.ringFilled + keep.length);
  }

  /** Grows the ring (still unwrapped) so `more` bytes fit without overwriting, up to `half`. */
  private reserve(more: number): void {
    const want = Math.min(this.half, this.ringFilled + more);
    if (want <= this.ring.length) return;
    let size = Math.max(this.ring.length, 4096);
    while (size < want) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(size, this.half));
    // Growing happens only before the ring wraps, so its bytes are in order from 0.
    this.ring.copy(grown, 0, 0, this.ringFilled);
    this.ring = grown;
    this.ringEnd = this.ringFilled;
  }

  private tailBytes(): Buffer {
    if (this.ringFilled < this.ring.length) return this.ring.subarray(0, this.ringFilled);
    return Buffer.concat([this.ring.subarray(this.ringEnd), this.ring.subarray(0, this.ringEnd)]);
  }

  result(): CapturedOutput {
    const head = Buffer.concat(this.head);
    const tail = this.tailBytes();
    const dropped = this.total - head.length - tail.length;
    if (dropped <= 0)
      return {
        text: new StringDecoder('utf8').end(Buffer.concat([head, tail])),
        totalBytes: this.total,
        truncated: false,
      };
    const marker = `\n… ${dropped} bytes omitted …\n`;
    return { text: decode(head) + marker + decode(tail), totalBytes: this.total, truncated: true };
  }
}

const decode = (b: Buffer) => new StringDecoder('utf8').end(b);

/** Splits a byte stream into text without breaking multi-byte characters across chunks. */
export function createTextStream(onText: (text: string) => void): {
  write(chunk: Buffer): void;
  end(): void;
} {
  const decoder = new StringDecoder('utf8');
  return {
    write(chunk) {
      const text = decoder.write(chunk);
      if (text) onText(text);
    },
    end() {
      const text = decoder.end();
      if (text) onText(text);
    },
  };
}
