import { lookup } from 'node:dns/promises';
import type { HostResolver } from '../core/ports/host-resolver.js';

/**
 * The system resolver (getaddrinfo, as a connection would use), every address of a name. A
 * lookup that hangs counts as none after `timeoutMs`.
 */
export function createDnsHostResolver(timeoutMs = 5_000): HostResolver {
  return {
    async resolve(hostname) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`lookup of ${hostname} timed out`)), timeoutMs);
      });
      try {
        const found = await Promise.race([
          lookup(hostname, { all: true, verbatim: true }),
          timeout,
        ]);
        return found.map((a) => a.address);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
