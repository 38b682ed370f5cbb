import type { DomainEvent } from '../events.js';
import type { Notifier } from '../ports/notifier.js';

export interface RecordingNotifier extends Notifier {
  readonly events: DomainEvent[];
}

export function createRecordingNotifier(): RecordingNotifier {
  const events: DomainEvent[] = [];
  return {
    events,
    async notify(event) {
      events.push(event);
    },
  };
}
