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

  /**
   * The kept bytes as one string, decoded in one pass: a string joined from decoded pieces is
   * copied again by the first search in it (the shell profile's last line), and a marker outside
   * Latin-1 made that copy two bytes a character. A character cut at either edge of the dropped
   * middle decodes to U+FFFD, as it would have at the end (or start) of its own piece.
   */
  result(): CapturedOutput {
    const dropped = this.total - this.headBytes - this.tail.length;
    const marker = dropped > 0 ? [Buffer.from(`\n... ${dropped} bytes omitted ...\n`)] : [];
    const bytes = Buffer.concat([...this.head, ...marker, ...this.tail.segments()]);
    return { text: bytes.toString('utf8'), totalBytes: this.total, truncated: dropped > 0 };
  }
}

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
