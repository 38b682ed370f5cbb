import type { Breaker } from '../breaker.js';

export interface BreakerStore {
  get(key: string): Promise<Breaker | null>;
  list(): Promise<readonly Breaker[]>;
  save(breaker: Breaker): Promise<void>;
}
