/**
 * UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then a 31-bit counter seeded at random
 * each millisecond (so ids made in the same millisecond still sort in order), then random bits.
 * The layout is the `uuid` package's, so ids made before and after this module sort together.
 *
 * Why not `uuid`'s v7: it asks Web Crypto for 16 bytes per id, and a task makes about six ids
 * on its way from request to result; under load those calls were 5% of the gateway's CPU
 * (BENCHMARKS.md, throughput). Here random bytes come from a pool refilled 4 KiB at a time.
 */

const POOL_BYTES = 4_096;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export interface UuidV7Source {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Fills the array with cryptographically secure random bytes. */
  readonly fill: (bytes: Uint8Array<ArrayBuffer>) => void;
}

const systemSource: UuidV7Source = {
  now: Date.now,
  // Web Crypto exists in Node 20 and on Workers; called lazily (Workers refuse it at startup).
  fill: (bytes) => void crypto.getRandomValues(bytes),
};

export function createUuidV7(source: UuidV7Source = systemSource): () => string {
  // Filled on first use, not here: on Workers random values may only be drawn inside a request.
  const pool = new Uint8Array(POOL_BYTES);
  let used = POOL_BYTES;
  let msecs = -Infinity;
  let seq = 0;
  const b = new Uint8Array(16);

  return () => {
    if (used + 16 > POOL_BYTES) {
      source.fill(pool);
      used = 0;
    }
    const r = used;
    used += 16;
    const now = source.now();
    if (now > msecs) {
      // A fresh millisecond: a random counter start, top bit clear so it can count up.
      seq =
        ((pool[r + 6]! & 0x7f) << 24) | (pool[r + 7]! << 16) | (pool[r + 8]! << 8) | pool[r + 9]!;
      msecs = now;
    } else {
      // Same millisecond, or the clock stepped back: keep the last time and count on, so ids
      // still sort in the order they were made.
      seq = (seq + 1) | 0;
      if (seq === 0) msecs++;
    }
    b[0] = (msecs / 0x10000000000) & 0xff;
    b[1] = (msecs / 0x100000000) & 0xff;
    b[2] = (msecs / 0x1000000) & 0xff;
    b[3] = (msecs / 0x10000) & 0xff;
    b[4] = (msecs / 0x100) & 0xff;
    b[5] = msecs & 0xff;
    b[6] = 0x70 | ((seq >>> 28) & 0x0f);
    b[7] = (seq >>> 20) & 0xff;
    b[8] = 0x80 | ((seq >>> 14) & 0x3f);
    b[9] = (seq >>> 6) & 0xff;
    b[10] = ((seq << 2) & 0xff) | (pool[r + 10]! & 0x03);
    for (let i = 11; i < 16; i++) b[i] = pool[r + i]!;
    let id = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) id += '-';
      id += HEX[b[i]!]!;
    }
    return id;
  };
}
