import { hostname } from 'node:os';
import type { Logger } from '../core/ports/logger.js';
import { createHttpWorkSource } from '../runner/http-work-source.js';
import { createRunner } from '../runner/runner.js';
import type { Config } from './config/config.js';
import { ensureDataDir, StartupError } from './data-dir.js';
import { createHostTransports, runnerSetup } from './runner-wiring.js';

/**
 * `switchboard runner`: a runner service on another machine. It pulls work for the SSH hosts
 * in its own config from the gateway (outbound HTTPS only) and runs it like the embedded one.
 */
export function startRunnerService(config: Config, log: Logger) {
  const { url, runnerToken } = config.gateway;
  if (!url || !runnerToken) {
    throw new StartupError(
      'the runner service needs SWITCHBOARD_GATEWAY_URL and SWITCHBOARD_RUNNER_TOKEN (switchboard token create --role runner)',
    );
  }
  const hostNames = config.hosts.map((h) => h.name);
  if (hostNames.length === 0)
    throw new StartupError('the runner service needs at least one host in its config');
  ensureDataDir(config.dataDir);
  const hosts = createHostTransports(config, log);
  const setup = runnerSetup(config, hosts);
  const work = createHttpWorkSource({ gatewayUrl: url, token: runnerToken, hosts: hostNames });
  hosts.recordSurvivorsWith((r) => work.survivorsKilled(r));
  const runner = createRunner(
    {
      work,
      log,
      ...setup.deps,
      // Agents on this runner's hosts reach the gateway where this runner does.
      agentMcp: async (task, fencingToken) => work.agentMcp(task.id, fencingToken),
    },
    setup.options,
  );
  runner.start();
  log.info('runner service started', { gateway: url, hosts: hostNames, machine: hostname() });
  return {
    hosts: hostNames,
    async stop() {
      await runner.stop();
      await hosts.closeAll();
    },
  };
}
