import { DEFAULT_MAX_ATTEMPTS, type CoreDeps } from '../core/deps.js';
import { catalogOf, type Config } from './config/config.js';
import { vocabularyOf } from './config/vocabulary.js';

/**
 * What the core takes from the config, the same in every composition root (the Node process,
 * the Worker, one-shot CLI commands): one place, so a new setting cannot reach one and miss
 * another.
 */
export function coreSettingsOf(
  config: Config,
): Pick<
  CoreDeps,
  | 'policy'
  | 'catalog'
  | 'vocabulary'
  | 'breakerLimits'
  | 'ladder'
  | 'chooser'
  | 'leaseS'
  | 'maxAttempts'
> {
  return {
    policy: config.approvalPolicy,
    catalog: catalogOf(config),
    vocabulary: vocabularyOf(config, config.templates),
    breakerLimits: config.breakers,
    ladder: config.ladder,
    chooser: config.chooser,
    leaseS: config.leaseS,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
  };
}
