import type { Logger } from '../core/ports/logger.js';
import type { HostDirectory, HostProbe } from '../gateway/host-directory.js';
import type { Config } from './config/config.js';
import { checkHost, LOCAL_HOST } from './host-checks.js';
import { createHostTransports } from './runner-wiring.js';

/**
 * The hosts page's data: the config's hosts plus `local`, probed on request with the same
 * checks as `switchboard doctor`, over short-lived transports (not the runner's pool, whose
 * sessions belong to running work). The last probe of each host is kept in memory.
 */
export function createHostDirectory(config: Config, log: Logger, now: () => Date): HostDirectory {
  const probes = new Map<string, HostProbe>();
  const running = new Map<string, Promise<HostProbe | null>>();
  const targets = [LOCAL_HOST, ...config.hosts];
  const probeOnce = async (name: string): Promise<HostProbe | null> => {
    const host = targets.find((h) => h.name === name);
    if (!host) return null;
    const transports = createHostTransports(config, log);
    try {
      const transport = transports.transportFor(name);
      const checks = transport
        ? await checkHost(host, transport)
        : [{ ok: false, label: `${name} config`, detail: 'cannot set up SSH (see the log)' }];
      const probe = { ok: checks.every((c) => c.ok), checks, checkedAt: now().toISOString() };
      probes.set(name, probe);
      return probe;
    } finally {
      await transports.closeAll();
    }
  };
  return {
    list: () =>
      targets.map((h) =>
        'address' in h
          ? { name: h.name, address: h.address, labels: h.labels, maxSessions: h.max_sessions }
          : { name: h.name, address: null, labels: [], maxSessions: null },
      ),
    lastProbe: (name) => probes.get(name) ?? null,
    probe(name) {
      // Two taps on Probe share one SSH round.
      let p = running.get(name);
      if (!p) {
        p = probeOnce(name).finally(() => running.delete(name));
        running.set(name, p);
      }
      return p;
    },
  };
}
