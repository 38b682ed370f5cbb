import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Migration } from '../db/migrate.js';

// The same path from src/entry (tsx) and dist/entry (built): the SQL ships under src/db.
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));

/** The committed drizzle-kit migrations, read from disk (Node only; Workers bundle them). */
export const readMigrations = (): Migration[] =>
  readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
