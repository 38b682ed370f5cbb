import { randomBytes } from 'node:crypto';
import { hashToken } from '../gateway/token-hash.js';
import type { ApiClient } from '../core/ports/client-registry.js';
import { createClientRegistry } from '../db/repositories/client-registry.js';
import { createRunnerRegistry } from '../db/repositories/runner-registry.js';
import type { Config } from './config/config.js';
import { openMigratedDatabase } from './open-database.js';
import { uuidV7Ids } from './system-ports.js';

/** Registers a runner service; the token is returned once and only its hash is stored. */
export async function createRunnerToken(
  config: Config,
  name: string,
): Promise<{ id: string; token: string }> {
  const { handle } = await openMigratedDatabase(config);
  try {
    const token = `sbr_${randomBytes(32).toString('base64url')}`;
    const at = new Date().toISOString();
    const id = uuidV7Ids.next();
    await createRunnerRegistry(handle.db).register(
      { id, name, createdAt: at, lastSeenAt: at },
      await hashToken(token),
    );
    return { id, token };
  } finally {
    handle.close();
  }
}

export type ClientRole = ApiClient['role'];
export const CLIENT_ROLES: readonly ClientRole[] = ['owner', 'approver', 'viewer'];

/** A static token for a program (MCP client, script): shown once, stored as its hash. */
export async function createClientToken(
  config: Config,
  name: string,
  role: ClientRole,
): Promise<{ id: string; token: string } | { taken: true }> {
  const { handle } = await openMigratedDatabase(config);
  try {
    const clients = createClientRegistry(handle.db);
    if ((await clients.list()).some((c) => c.name === name)) return { taken: true };
    const token = `sbc_${randomBytes(32).toString('base64url')}`;
    const id = uuidV7Ids.next();
    await clients.register(
      { id, name, role, createdAt: new Date().toISOString(), lastUsedAt: null },
      await hashToken(token),
    );
    return { id, token };
  } finally {
    handle.close();
  }
}

export async function listClients(config: Config): Promise<readonly ApiClient[]> {
  const { handle } = await openMigratedDatabase(config);
  try {
    return await createClientRegistry(handle.db).list();
  } finally {
    handle.close();
  }
}

export async function revokeClient(config: Config, name: string): Promise<boolean> {
  const { handle } = await openMigratedDatabase(config);
  try {
    return await createClientRegistry(handle.db).revoke(name, new Date().toISOString());
  } finally {
    handle.close();
  }
}
