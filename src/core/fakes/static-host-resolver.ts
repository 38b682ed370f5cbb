import type { HostResolver } from '../ports/host-resolver.js';

/** A resolver with fixed answers; a name it does not know resolves to nothing. */
export function createStaticHostResolver(
  table: Readonly<Record<string, readonly string[]>>,
): HostResolver {
  return { resolve: async (hostname) => table[hostname] ?? [] };
}
