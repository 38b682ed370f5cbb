/** A runner service known to the gateway; it authenticates with a token stored only as a hash. */
export interface RunnerIdentity {
  readonly id: string;
  readonly name: string;
  /**
   * The hosts its token serves, named when the token was made. A runner is given work on these
   * hosts only; none (a token from before hosts were required) means it is given nothing.
   */
  readonly hosts: readonly string[];
  readonly createdAt: string;
  readonly lastSeenAt: string;
}

/** The gateway's own machine: only the embedded runner runs work there, never a remote token. */
export const LOCAL_HOST = 'local';

/** The hosts a runner token may be given work on: its own, never `local`. */
export const remoteHosts = (runner: Pick<RunnerIdentity, 'hosts'>): readonly string[] =>
  runner.hosts.filter((h) => h !== LOCAL_HOST);
