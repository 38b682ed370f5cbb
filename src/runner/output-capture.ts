import { StringDecoder } from 'node:string_decoder';
import { STORED_OUTPUT_BYTES } from '../core/stage.js';
import { ByteRing } from './byte-ring.js';
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
  private readonly tail: ByteRing;
  private total = 0;

  constructor(limitBytes = DEFAULT_CAPTURE_BYTES) {
    this.half = Math.max(1, Math.floor(limitBytes / 2));
    this.tail = new ByteRing(this.half);
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
    if (rest.length > 0) this.tail.write(rest);
  }

  result(): CapturedOutput {
    const head = Buffer.concat(this.head);
    const tail = this.tail.bytes();
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
