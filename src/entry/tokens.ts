import { randomBytes } from 'node:crypto';
import { hashToken } from '../gateway/token-hash.js';
import type { ApiClient } from '../core/ports/client-registry.js';
import { LOCAL_HOST } from '../core/runner-identity.js';
import { createClientRegistry } from '../db/repositories/client-registry.js';
import { createRunnerRegistry } from '../db/repositories/runner-registry.js';
import type { Config } from './config/config.js';
import { openMigratedDatabase } from './open-database.js';
import { uuidV7Ids } from './system-ports.js';

/**
 * The hosts a new runner token may serve, from `--hosts a,b`: named, configured (the gateway
 * only queues work for hosts it knows), and never `local`, which only the embedded runner runs.
 */
export function parseRunnerHosts(
  config: Config,
  value: unknown,
): { ok: true; hosts: readonly string[] } | { ok: false; message: string } {
  const names = typeof value === 'string' ? value.split(',').map((h) => h.trim()) : [];
  const hosts = [...new Set(names.filter((h) => h !== ''))];
  const known = config.hosts.map((h) => h.name);
  const list = known.length ? known.join(', ') : 'none configured';
  if (hosts.length === 0) {
    return {
      ok: false,
      message: `a runner token needs --hosts NAME[,NAME…]: the configured hosts it serves (${list})`,
    };
  }
  if (hosts.includes(LOCAL_HOST)) {
    return {
      ok: false,
      message: `--hosts may not name ${LOCAL_HOST}: only the gateway's embedded runner runs work on it`,
    };
  }
  const unknown = hosts.filter((h) => !known.includes(h));
  if (unknown.length) {
    return { ok: false, message: `unknown host(s) ${unknown.join(', ')} (configured: ${list})` };
  }
  return { ok: true, hosts };
}

/** Registers a runner service; the token is returned once and only its hash is stored. */
export async function createRunnerToken(
  config: Config,
  name: string,
  hosts: readonly string[],
): Promise<{ id: string; token: string }> {
  const { handle } = await openMigratedDatabase(config);
  try {
    const token = `sbr_${randomBytes(32).toString('base64url')}`;
    const at = new Date().toISOString();
    const id = uuidV7Ids.next();
    await createRunnerRegistry(handle.db).register(
      { id, name, hosts, createdAt: at, lastSeenAt: at },
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
