/**
 * The last `maxBytes` bytes written, kept as a copy. It starts small and grows by doubling up
 * to `maxBytes`, so a short stream costs little; once full it wraps, overwriting the oldest.
 */
export class ByteRing {
  private ring: Buffer = Buffer.alloc(0);
  private end = 0;
  private filled = 0;

  constructor(private readonly maxBytes: number) {}

  get length(): number {
    return this.filled;
  }

  write(bytes: Uint8Array): void {
    const keep =
      bytes.length > this.maxBytes ? bytes.subarray(bytes.length - this.maxBytes) : bytes;
    this.reserve(keep.length);
    const first = Math.min(keep.length, this.ring.length - this.end);
    this.ring.set(keep.subarray(0, first), this.end);
    this.ring.set(keep.subarray(first), 0);
    if (this.ring.length > 0) this.end = (this.end + keep.length) % this.ring.length;
    this.filled = Math.min(this.maxBytes, this.filled + keep.length);
  }

  /** The kept bytes, oldest first. */
  bytes(): Buffer {
    const [older, newer] = this.segments();
    return newer.length === 0 ? older : Buffer.concat([older, newer]);
  }

  /** The kept bytes, oldest first, as views into the ring: valid until the next write. */
  segments(): readonly [Buffer, Buffer] {
    if (this.filled < this.ring.length)
      return [this.ring.subarray(0, this.filled), Buffer.alloc(0)];
    return [this.ring.subarray(this.end), this.ring.subarray(0, this.end)];
  }

  /** Grows the ring (still unwrapped) so `more` bytes fit without overwriting, up to the max. */
  private reserve(more: number): void {
    const want = Math.min(this.maxBytes, this.filled + more);
    if (want <= this.ring.length) return;
    let size = Math.max(this.ring.length, 4096);
    while (size < want) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(size, this.maxBytes));
    // Growing happens only before the ring wraps, so its bytes are in order from 0.
    this.ring.copy(grown, 0, 0, this.filled);
    this.ring = grown;
    this.end = this.filled;
  }
}
