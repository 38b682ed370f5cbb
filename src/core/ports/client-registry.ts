/** A program that calls the API or MCP endpoint with its own static token (Claude Code, scripts). */
export interface ApiClient {
  readonly id: string;
  readonly name: string;
  readonly role: 'owner' | 'approver' | 'viewer';
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** Clients and the hashes of their tokens (hashing happens at the edge); revoked ones are gone. */
export interface ClientRegistry {
  register(client: ApiClient, tokenHash: string): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<ApiClient | null>;
  touch(id: string, at: string): Promise<void>;
  list(): Promise<readonly ApiClient[]>;
  /** Revokes the active client of that name; false if there is none. */
  revoke(name: string, at: string): Promise<boolean>;
}
