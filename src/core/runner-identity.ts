/** A runner service known to the gateway; it authenticates with a token stored only as a hash. */
export interface RunnerIdentity {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
}
