import { StringDecoder } from 'node:string_decoder';
import { STORED_OUTPUT_BYTES } from '../core/stage.js';
import type { CapturedOutput } from './transport.js';

/** Per stream: stdout and stderr together stay within the stored-output cap. */
export const DEFAULT_CAPTURE_BYTES = STORED_OUTPUT_BYTES / 2;

/**
 * Keeps the first and last `limit / 2` bytes of a stream, so memory stays bounded however
 * much a command prints; what fell out of the middle is replaced by a marker.
 */
export class OutputCapture {
  private readonly half: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(limitBytes = DEFAULT_CAPTURE_BYTES) {
    this.half = Math.max(1, Math.floor(limitBytes / 2));
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.half) {
      const take = rest.subarray(0, this.half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    // Drop whole chunks from the front while the rest still fills the tail.
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0]?.length ?? 0) >= this.half) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
    }
  }

  result(): CapturedOutput {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.half) tail = tail.subarray(tail.length - this.half);
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
