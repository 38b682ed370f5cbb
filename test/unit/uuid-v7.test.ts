import { describe, expect, it } from 'vitest';
import { createUuidV7, type UuidV7Source } from '../../src/entry/uuid-v7.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/** A clock the test moves, and random bytes from a counter (or a fixed byte). */
function source(times: number[], byte?: number): UuidV7Source & { fills: number } {
  let t = 0;
  let n = 0;
  const s = {
    fills: 0,
    now: () => times[Math.min(t++, times.length - 1)]!,
    fill: (bytes: Uint8Array<ArrayBuffer>) => {
      s.fills++;
      for (let i = 0; i < bytes.length; i++) bytes[i] = byte ?? n++ & 0xff;
    },
  };
  return s;
}

describe('UUIDv7 ids', () => {
  it('are RFC 9562 version 7 ids carrying the time they were made', () => {
    const before = Date.now();
    const next = createUuidV7();
    const ids = Array.from({ length: 1_000 }, next);
    const after = Date.now();
    for (const id of ids) {
      expect(id).toMatch(FORMAT);
      expect(millisOf(id)).toBeGreaterThanOrEqual(before);
      expect(millisOf(id)).toBeLessThanOrEqual(after + 1);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sort in the order they were made, within one millisecond and when the clock steps back', () => {
    const times = [5_000, ...Array<number>(3_000).fill(5_001), 4_000, 4_000, 5_002];
    const next = createUuidV7(source(times));
    const ids = times.map(() => next());
    expect([...ids].sort()).toEqual(ids);
    expect(millisOf(ids[3_001]!)).toBe(5_001); // the step back keeps the last time
    expect(millisOf(ids.at(-1)!)).toBe(5_002);
  });

  it('keep their order when the counter passes its seeded range', () => {
    // Random bytes of 0xff seed the counter at the top of its 31-bit start range (2^31 - 1);
    // the next ids use the 32nd bit, which the seed leaves free so a millisecond cannot run out.
    const next = createUuidV7(source(Array<number>(10).fill(7_000), 0xff));
    const ids = Array.from({ length: 10 }, next);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(10);
    expect(ids.every((id) => millisOf(id) === 7_000)).toBe(true);
  });

  it('draw random bytes 4 KiB at a time, not once per id', () => {
    const s = source([1]);
    const next = createUuidV7(s);
    for (let i = 0; i < 256; i++) next();
    expect(s.fills).toBe(1);
    next();
    expect(s.fills).toBe(2);
  });
});
