import type { DomainEvent } from '../events.js';

/**
 * The chat, PWA and MCP side of a state change. It must not throw: a failed notification
 * never undoes the change it reports, so implementations log their own failures.
 */
export interface Notifier {
  notify(event: DomainEvent): Promise<void>;
}
