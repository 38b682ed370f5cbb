import type { Clock } from '../ports/clock.js';

export interface FixedClock extends Clock {
  advance(ms: number): void;
  set(at: string): void;
}

/** A clock that moves only when a test moves it. */
export function createFixedClock(start = '2026-01-01T00:00:00.000Z'): FixedClock {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (at) => {
      t = Date.parse(at);
    },
  };
}
