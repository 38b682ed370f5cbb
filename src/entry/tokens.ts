import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { hashToken } from '../gateway/token-hash.js';
import { createRunnerRegistry } from '../db/repositories/runner-registry.js';
import type { Config } from './config/config.js';
import { openMigratedDatabase } from './node.js';

/** Registers a runner service; the token is returned once and only its hash is stored. */
export async function createRunnerToken(
  config: Config,
  name: string,
): Promise<{ id: string; token: string }> {
  const { handle } = await openMigratedDatabase(config);
  try {
    const token = `sbr_${randomBytes(32).toString('base64url')}`;
    const at = new Date().toISOString();
    const id = uuidv7();
    await createRunnerRegistry(handle.db).register(
      { id, name, createdAt: at, lastSeenAt: at },
      await hashToken(token),
    );
    return { id, token };
  } finally {
    handle.close();
  }
}
