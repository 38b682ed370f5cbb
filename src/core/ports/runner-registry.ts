import type { RunnerIdentity } from '../runner-identity.js';

/** Runner services and the hashes of their tokens (hashing happens at the edge). */
export interface RunnerRegistry {
  register(runner: RunnerIdentity, tokenHash: string): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<RunnerIdentity | null>;
  touch(id: string, at: string): Promise<void>;
  list(): Promise<readonly RunnerIdentity[]>;
}
