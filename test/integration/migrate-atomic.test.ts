import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@libsql/client';
import { applyMigrations, pendingMigrations, type Migration } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/entry/migrations.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/** Every table, index and trigger with its SQL, plus each table's columns: the whole schema. */
async function schemaOf(client: Client) {
  const objects = await client.execute(
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
  );
  const tables = objects.rows.filter((r) => r['type'] === 'table').map((r) => String(r['name']));
  const columns: Record<string, unknown[]> = {};
  for (const t of tables) {
    const info = await client.execute(
      `SELECT name, type, "notnull", dflt_value FROM pragma_table_info('${t}')`,
    );
    columns[t] = info.rows.map((r) => ({ ...r }));
  }
  return { objects: objects.rows.map((r) => ({ ...r })), columns };
}

const bookkeeping = (client: Client) =>
  client
    .execute('SELECT hash, created_at FROM __drizzle_migrations ORDER BY id')
    .then((rs) => rs.rows.map((r) => ({ ...r })));

/** A migration whose first statements succeed on their own and whose second-to-last fails. */
const broken = (after: number): Migration => ({
  folderMillis: after + 1,
  hash: 'broken-migration',
  sql: [
    'ALTER TABLE `tasks` ADD `half_done` text',
    'CREATE TABLE `half_made` (`id` text PRIMARY KEY NOT NULL)',
    'CREATE INDEX `half_made_idx` ON `half_made` (`id`)',
    'INSERT INTO `no_such_table` (`id`) VALUES (1)',
    'CREATE TABLE `never_reached` (`id` text)',
  ],
});

describe.each(['auto', 'libsql-client'] as const)(
  'a failed migration leaves the schema as it was (%s driver)',
  (driver) => {
    let db: TempDb | undefined;
    afterEach(() => db?.dispose());

    it('rolls back every statement of the failing migration and records nothing', async () => {
      db = await createTempDb(driver);
      const shipped = readMigrations();
      const last = Math.max(...shipped.map((m) => m.folderMillis));
      const before = await schemaOf(db.client);
      const applied = await bookkeeping(db.client);

      await expect(applyMigrations(db.client, [...shipped, broken(last)])).rejects.toThrow(
        /no_such_table/,
      );

      const after = await schemaOf(db.client);
      expect(after.columns['tasks']).toEqual(before.columns['tasks']);
      expect(after.columns['half_made']).toBeUndefined();
      expect(after).toEqual(before);
      expect(await bookkeeping(db.client)).toEqual(applied);
      // Still pending: the next start tries it again from a clean slate.
      expect(
        (await pendingMigrations(db.client, [...shipped, broken(last)])).map((m) => m.hash),
      ).toEqual(['broken-migration']);
      // The database still works: foreign keys back on, writes go through.
      const fk = await db.client.execute('PRAGMA foreign_keys');
      expect(Number(fk.rows[0]?.[0] ?? fk.rows[0]?.['foreign_keys'])).toBe(1);
    });

    it('keeps the migrations before the failing one, each whole', async () => {
      db = await createTempDb(driver);
      const shipped = readMigrations();
      const last = Math.max(...shipped.map((m) => m.folderMillis));
      const good: Migration = {
        folderMillis: last + 1,
        hash: 'good-migration',
        sql: [
          'CREATE TABLE `fine` (`id` text PRIMARY KEY NOT NULL)',
          'ALTER TABLE `fine` ADD `n` integer',
        ],
      };
      const bad = broken(last + 1);
      await expect(applyMigrations(db.client, [...shipped, good, bad])).rejects.toThrow();
      const after = await schemaOf(db.client);
      expect(after.columns['fine']?.map((c) => (c as { name: string }).name)).toEqual(['id', 'n']);
      expect(after.columns['half_made']).toBeUndefined();
      expect(
        after.columns['tasks']?.some((c) => (c as { name: string }).name === 'half_done'),
      ).toBe(false);
      expect((await bookkeeping(db.client)).at(-1)).toMatchObject({ hash: 'good-migration' });
    });
  },
);
