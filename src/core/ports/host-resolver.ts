/**
 * Name resolution for outgoing requests to URLs that came from outside (push endpoints), so
 * the core can see where a name leads before anything is sent there.
 */
export interface HostResolver {
  /** Every address the name resolves to; empty, or a rejection, when it resolves to none. */
  resolve(hostname: string): Promise<readonly string[]>;
}
