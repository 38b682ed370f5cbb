import type { RunnerRegistry } from '../ports/runner-registry.js';
import type { RunnerIdentity } from '../runner-identity.js';

export function createMemoryRunnerRegistry(): RunnerRegistry {
  const runners = new Map<string, { runner: RunnerIdentity; tokenHash: string }>();
  return {
    async register(runner, tokenHash) {
      if ([...runners.values()].some((r) => r.tokenHash === tokenHash))
        throw new Error('duplicate token');
      runners.set(runner.id, { runner, tokenHash });
    },
    async findByTokenHash(tokenHash) {
      return [...runners.values()].find((r) => r.tokenHash === tokenHash)?.runner ?? null;
    },
    async touch(id, at) {
      const r = runners.get(id);
      if (r) runners.set(id, { ...r, runner: { ...r.runner, lastSeenAt: at } });
    },
    async list() {
      return [...runners.values()].map((r) => r.runner).sort((a, b) => (a.id < b.id ? -1 : 1));
    },
  };
}
