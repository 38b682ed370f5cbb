import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { createLocalClient } from './local-client.js';
import * as schema from './schema.js';

export type Database = LibSQLDatabase<typeof schema> & { readonly $client: Client };

export interface DatabaseOptions {
  /** `file:` path, `libsql:`/`http(s):` URL of a libSQL server, or `:memory:`. */
  readonly url: string;
  readonly authToken?: string | null | undefined;
  /** How long a writer waits for the lock before SQLITE_BUSY (local files). */
  readonly busyTimeoutMs?: number | undefined;
  /**
   * Local files go through the statement-caching client unless this asks for @libsql/client
   * (the contract suite runs both).
   */
  readonly driver?: 'auto' | 'libsql-client' | undefined;
  /**
   * Local files: checkpoint the WAL from a worker thread (local-client.ts). For the server,
   * whose event loop must not stall on a checkpoint's fsync; one-shot commands leave it off.
   */
  readonly backgroundCheckpoints?: boolean | undefined;
}

const CHECKPOINT_EVERY_MS = 100;

export interface DatabaseHandle {
  readonly db: Database;
  readonly client: Client;
  close(): void;
}

export const isLocalUrl = (url: string): boolean => url.startsWith('file:') || url === ':memory:';

/** `file:/abs/path` or `file:relative/path`; URLs with a host or query go to @libsql/client. */
export const localFilePath = (url: string): string | null => {
  const m = /^file:(?!\/\/)([^?#]+)$/.exec(url) ?? /^file:\/\/(\/[^?#]+)$/.exec(url);
  return m?.[1] ?? null;
};

/**
 * Opens libSQL and wraps it in drizzle. A local file gets exactly one connection, so the
 * per-connection pragmas (busy_timeout, synchronous) hold for every statement; WAL lets
 * readers in other processes run beside the single writer.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const local = isLocalUrl(options.url);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const path = options.driver === 'libsql-client' ? null : localFilePath(options.url);
  const client = path
    ? createLocalClient(path, {
        busyTimeoutMs,
        walCheckpointEveryMs: options.backgroundCheckpoints ? CHECKPOINT_EVERY_MS : undefined,
      })
    : createClient({
        url: options.url,
        ...(options.authToken ? { authToken: options.authToken } : {}),
        ...(local ? { concurrency: 1, timeout: busyTimeoutMs } : {}),
      });
  try {
    if (local) {
      await client.execute('PRAGMA journal_mode = WAL');
      await client.execute('PRAGMA synchronous = NORMAL');
      await client.execute('PRAGMA foreign_keys = ON');
    }
  } catch (cause) {
    client.close();
    throw cause;
  }
  return { db: drizzle(client, { schema }), client, close: () => client.close() };
}
