import type { Client } from '@libsql/client';

/** A migration as drizzle-kit writes it (see drizzle-orm/migrator's MigrationMeta). */
export interface Migration {
  readonly sql: readonly string[];
  readonly folderMillis: number;
  readonly hash: string;
}

// drizzle-kit's own bookkeeping table, so `drizzle-kit` tools keep understanding the database.
const TABLE = '__drizzle_migrations';
const ATTEMPTS = 5;

async function lastApplied(client: Client): Promise<number> {
  const table = await client.execute({
    sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    args: [TABLE],
  });
  if (table.rows.length === 0) return 0;
  const rs = await client.execute(`SELECT max(created_at) AS last FROM ${TABLE}`);
  return Number(rs.rows[0]?.['last'] ?? 0);
}

/** Read-only: what `applyMigrations` would apply. */
export async function pendingMigrations(
  client: Client,
  migrations: readonly Migration[],
): Promise<Migration[]> {
  const last = await lastApplied(client);
  return migrations.filter((m) => m.folderMillis > last);
}

/**
 * Applies what is pending, each migration as one atomic batch with its bookkeeping row.
 * Safe when two processes start at once: the loser's batch fails on tables the winner just
 * created and rolls back whole; it then finds nothing pending and carries on.
 */
export async function applyMigrations(
  client: Client,
  migrations: readonly Migration[],
): Promise<number> {
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
  );
  let applied = 0;
  for (let attempt = 1; ; attempt++) {
    const pending = await pendingMigrations(client, migrations);
    if (pending.length === 0) return applied;
    try {
      for (const m of pending) {
        await client.migrate([
          ...m.sql.filter((s) => s.trim() !== '').map((s) => ({ sql: s, args: [] })),
          {
            sql: `INSERT INTO ${TABLE} (hash, created_at) VALUES (?, ?)`,
            args: [m.hash, m.folderMillis],
          },
        ]);
        applied++;
      }
    } catch (cause) {
      if (attempt >= ATTEMPTS) throw cause;
    }
  }
}
