import type { PushSubscriptionRecord, PushSubscriptions } from '../ports/push-subscriptions.js';

/** In-memory push subscriptions for unit tests; same contract as the libSQL store. */
export function createMemoryPushSubscriptions(): PushSubscriptions {
  const rows = new Map<string, PushSubscriptionRecord>();
  return {
    async save(sub) {
      const old = rows.get(sub.endpoint);
      rows.set(sub.endpoint, old ? { ...sub, id: old.id, createdAt: old.createdAt } : sub);
    },
    async remove(endpoint, userName) {
      if (rows.get(endpoint)?.userName !== userName) return false;
      return rows.delete(endpoint);
    },
    async list() {
      return [...rows.values()].sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
      );
    },
    async recordSuccess(endpoint, at) {
      const s = rows.get(endpoint);
      if (s) rows.set(endpoint, { ...s, lastSuccessAt: at, failureCount: 0 });
    },
    async recordFailure(endpoint) {
      const s = rows.get(endpoint);
      if (!s) return null;
      rows.set(endpoint, { ...s, failureCount: s.failureCount + 1 });
      return s.failureCount + 1;
    },
    async delete(endpoint) {
      rows.delete(endpoint);
    },
  };
}
