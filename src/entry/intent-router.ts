import type { IntentRouter } from '../core/ports/intent-router.js';
import { createExecutorProfile } from '../runner/executors/registry.js';
import { createLocalTransport } from '../runner/local-transport.js';
import type { Config } from './config/config.js';

/** A chat message must get its first reaction fast: a router that takes longer is skipped. */
export const ROUTER_TIMEOUT_MS = 8_000;

/**
 * The executor marked `router: true` in the config, run on this machine like any agent task
 * (prompt on stdin, the CLI's own JSON output read by its profile). Null when none is marked.
 */
export function createCliIntentRouter(
  config: Config,
  timeoutMs = ROUTER_TIMEOUT_MS,
): IntentRouter | null {
  const executor = config.executors.find((e) => e.router);
  if (!executor) return null;
  const profile = createExecutorProfile(executor);
  const transport = createLocalTransport({ baseEnv: config.localEnv });
  return {
    name: executor.name,
    async ask(prompt) {
      try {
        const invocation = profile.invocation({
          prompt,
          argv: null,
          model: executor.model,
          sessionId: null,
        });
        const result = await transport.exec({
          argv: invocation.argv,
          stdin: invocation.stdin ?? undefined,
          timeoutMs,
        });
        const run = profile.parse(result);
        return run.outcome === 'succeeded' ? run.summary : null;
      } catch {
        // A router is an optional helper: any failure leaves the rules' reading in place.
        return null;
      }
    },
  };
}
