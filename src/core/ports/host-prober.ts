/** Checks one configured host on request (reachable, host key, auth, CLIs). */
export interface HostProber<P extends { readonly ok: boolean }> {
  /** The probe's findings; null when no host has that name. */
  probe(name: string): Promise<P | null>;
}
