import type { Role } from '../core/actor.js';
import type { CoreDeps } from '../core/deps.js';
import type { HostResolver } from '../core/ports/host-resolver.js';
import type { Logger } from '../core/ports/logger.js';
import { createPushSender } from '../core/push/push-sender.js';
import type { DatabaseHandle } from '../db/client.js';
import { createPushSubscriptionStore } from '../db/repositories/push-subscriptions.js';
import type { Config } from './config/config.js';
import { createDnsHostResolver } from './dns-host-resolver.js';
import { loadOrCreateVapidKeys } from './vapid-keys.js';
import { createWebPushTransport } from './web-push-transport.js';

/**
 * Web Push: the VAPID keys (config or data dir; made silently, as start prints one line on
 * failure), the subscriptions, and the sender.
 */
export function startWebPush(
  config: Config,
  core: CoreDeps,
  roleOf: (name: string) => Role | null,
  handle: DatabaseHandle,
  log: Logger,
  resolver: HostResolver = createDnsHostResolver(),
) {
  const vapid = loadOrCreateVapidKeys(config.dataDir, config.webPush.keys);
  const subscriptions = createPushSubscriptionStore(handle.db);
  const { pushHosts } = config.webPush;
  const transport = createWebPushTransport({
    keys: vapid.keys,
    subject: config.webPush.subject,
    pushHosts,
  });
  return {
    routes: { publicKey: vapid.keys.publicKey, subscriptions, pushHosts, resolver },
    sender: createPushSender({
      subscriptions,
      transport,
      roleOf,
      clock: core.clock,
      log,
      pushHosts,
      resolver,
    }),
  };
}
