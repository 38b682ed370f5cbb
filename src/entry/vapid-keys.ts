import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';
import { StartupError } from './data-dir.js';

export const VAPID_KEYS_FILE = 'vapid-keys.json';

export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

const keysFile = z.strictObject({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/**
 * The VAPID key pair: from the config if given, else from the data dir, else a new pair is
 * written there (mode 0600). It must outlive restarts: browsers' subscriptions are bound to
 * the public key, and a new one would silently orphan every one of them.
 */
export function loadOrCreateVapidKeys(
  dir: string,
  fromConfig: VapidKeys | null,
): { keys: VapidKeys; created: boolean; file: string | null } {
  if (fromConfig) return { keys: fromConfig, created: false, file: null };
  const file = join(dir, VAPID_KEYS_FILE);
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const keys = keysFile.safeParse(parsed);
    // Replacing a damaged file would orphan the subscriptions: the operator decides.
    if (!keys.success) throw new StartupError(`${file} is not a valid VAPID key file`);
    return { keys: keys.data, created: false, file };
  }
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ publicKey, privateKey })}\n`);
  } finally {
    closeSync(fd);
  }
  return { keys: { publicKey, privateKey }, created: true, file };
}
