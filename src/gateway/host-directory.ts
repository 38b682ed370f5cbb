/** A configured host as the web app shows it (no key paths, no fingerprints). */
export interface HostSummary {
  readonly name: string;
  /** null for the built-in `local` host. */
  readonly address: string | null;
  readonly labels: readonly string[];
  readonly maxSessions: number | null;
}

export interface HostCheckItem {
  readonly ok: boolean;
  readonly label: string;
  readonly detail: string;
}

export interface HostProbe {
  readonly ok: boolean;
  readonly checks: readonly HostCheckItem[];
  readonly checkedAt: string;
}

/**
 * The hosts the runner can reach and what `switchboard doctor` finds on them (reachable, host
 * key, auth, CLIs). Probing opens SSH, so it is Node-only and done on request, not per page.
 */
export interface HostDirectory {
  list(): readonly HostSummary[];
  /** The last probe of each host, if any. */
  lastProbe(name: string): HostProbe | null;
  /** Probes one host now; null when no such host is configured. */
  probe(name: string): Promise<HostProbe | null>;
}
