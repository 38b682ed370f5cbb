import type { Breaker, BreakerState } from '../breaker.js';

/** A change to one breaker row, created from `fresh` when its period has no row yet. */
export interface BreakerBooking {
  readonly fresh: Breaker;
  readonly at: string;
  /** Added to the spend (a finished stage's cost). */
  readonly addSpentUsd?: number | undefined;
  /** The spend is at least this (a running task's streamed total). */
  readonly minSpentUsd?: number | undefined;
  /** Taken off the reservation (never below zero): the stage's estimate, now settled. */
  readonly releaseUsd?: number | undefined;
}

/**
 * The spend ledger (table `circuit_breakers`). Every method is one atomic statement, so
 * concurrent gateways and runners add up instead of overwriting each other.
 */
export interface BreakerStore {
  get(key: string): Promise<Breaker | null>;
  list(): Promise<readonly Breaker[]>;
  save(breaker: Breaker): Promise<void>;
  /** Applies a booking (creating the row if needed) and returns the row after it. */
  book(booking: BreakerBooking): Promise<Breaker>;
  /**
   * Moves the state to `to` only from one of `from`: of several processes seeing the same
   * crossing, exactly one gets the row back (and sends the alert).
   */
  advance(
    key: string,
    from: readonly BreakerState[],
    to: BreakerState,
    at: string,
  ): Promise<Breaker | null>;
  /** An owner lets executions through for the rest of the period (creating the row if needed). */
  override(fresh: Breaker, by: string, at: string): Promise<Breaker>;
}
