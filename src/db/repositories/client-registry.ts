import { and, asc, eq, isNull } from 'drizzle-orm';
import type { ApiClient, ClientRegistry } from '../../core/ports/client-registry.js';
import type { Database } from '../client.js';
import { apiClients } from '../schema.js';

const toClient = (r: typeof apiClients.$inferSelect): ApiClient => ({
  id: r.id,
  name: r.name,
  role: r.role as ApiClient['role'],
  createdAt: r.createdAt,
  lastUsedAt: r.lastUsedAt,
});

export function createClientRegistry(db: Database): ClientRegistry {
  const active = isNull(apiClients.revokedAt);
  return {
    async register(client, tokenHash) {
      await db.insert(apiClients).values({ ...client, tokenHash });
    },
    async findByTokenHash(tokenHash) {
      const [row] = await db
        .select()
        .from(apiClients)
        .where(and(eq(apiClients.tokenHash, tokenHash), active));
      return row ? toClient(row) : null;
    },
    async touch(id, at) {
      await db.update(apiClients).set({ lastUsedAt: at }).where(eq(apiClients.id, id));
    },
    async list() {
      return (await db.select().from(apiClients).where(active).orderBy(asc(apiClients.id))).map(
        toClient,
      );
    },
    async revoke(name, at) {
      const rows = await db
        .update(apiClients)
        .set({ revokedAt: at })
        .where(and(eq(apiClients.name, name), active))
        .returning({ id: apiClients.id });
      return rows.length > 0;
    },
  };
}
