import type { Client } from '@libsql/client';
import type { DatabaseHealth } from '../core/ports/database-health.js';

/**
 * A read, then a write that matches no row. The DELETE still opens a write transaction (it
 * takes the write lock, and fails on a read-only file, `query_only` or a full lock), yet
 * changes nothing: one statement that works the same on a libSQL file, a libSQL server and D1.
 */
export async function probeDatabaseHealth(
  client: Pick<Client, 'execute'>,
): Promise<DatabaseHealth> {
  try {
    await client.execute('SELECT 1');
  } catch {
    return 'unreachable';
  }
  try {
    await client.execute('DELETE FROM circuit_breakers WHERE 0');
    return 'ok';
  } catch {
    return 'read_only';
  }
}
