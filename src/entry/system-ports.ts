import type { Clock } from '../core/ports/clock.js';
import type { IdGen } from '../core/ports/id-gen.js';
import type { Logger } from '../core/ports/logger.js';
import type { Notifier } from '../core/ports/notifier.js';
import { createUuidV7 } from './uuid-v7.js';

export const systemClock: Clock = { now: () => new Date() };

/** UUIDv7: time-ordered and monotonic within a millisecond, so ids sort by creation. */
export const uuidV7Ids: IdGen = { next: createUuidV7() };

/** Until the chat and PWA notifiers arrive, state changes are logged. */
export function createLogNotifier(log: Logger): Notifier {
  return {
    async notify(event) {
      if (event.type === 'task.progress') return;
      if (event.type === 'breaker.alert') {
        log.warn('breaker.alert', { breaker: event.breaker.key, state: event.breaker.state });
        return;
      }
      if (event.type === 'oauth.consent_requested') {
        log.info(event.type, { client: event.client.name, redirect: event.grant.redirectUri });
        return;
      }
      if (event.type === 'oauth.consent_expired') {
        log.info(event.type, { grant: event.grant.id, client: event.grant.clientId });
        return;
      }
      if (event.type === 'permission.requested' || event.type === 'permission.decided') {
        const { request } = event;
        log.info(event.type, {
          task: request.taskId,
          tool: request.toolName,
          status: request.status,
        });
        return;
      }
      const { task } = event;
      log.info(event.type, {
        task: task.id,
        status: task.status,
        kind: task.kind,
        host: task.host,
      });
    },
  };
}
