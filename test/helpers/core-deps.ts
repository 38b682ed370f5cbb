import { uuidV7Ids } from '../../src/entry/system-ports.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/core/approval-policy.js';
import { DEFAULT_BREAKER_LIMITS } from '../../src/core/breaker.js';
import { DEFAULT_LADDER } from '../../src/core/escalation.js';
import type { CoreDeps, Stores } from '../../src/core/deps.js';
import { createRecordingNotifier } from '../../src/core/fakes/recording-notifier.js';
import type { Clock } from '../../src/core/ports/clock.js';
import { TEST_VOCABULARY } from './vocabulary.js';

/** Core deps over the given stores with the settings most tests want; override what matters. */
export function coreDepsFor(stores: Stores, overrides: Partial<CoreDeps> = {}): CoreDeps {
  const clock: Clock = { now: () => new Date() };
  return {
    ...stores,
    clock,
    ids: uuidV7Ids,
    notifier: createRecordingNotifier(),
    policy: DEFAULT_APPROVAL_POLICY,
    catalog: {
      hosts: ['local', 'build-vm'],
      executors: ['codex', 'claude-sonnet'],
      repos: [{ name: 'api', host: 'build-vm' }],
      templates: [],
      defaultExecutor: 'codex',
      defaultTimeoutS: 180,
    },
    vocabulary: TEST_VOCABULARY,
    breakerLimits: DEFAULT_BREAKER_LIMITS,
    ladder: DEFAULT_LADDER,
    leaseS: 30,
    maxAttempts: 3,
    ...overrides,
  };
}
