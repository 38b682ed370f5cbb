/** The core never reads the time itself; tests pass a fixed clock. */
export interface Clock {
  now(): Date;
}
