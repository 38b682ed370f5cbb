import type { CoreDeps } from '../deps.js';
import type { Channel } from '../task.js';
import { auditEntry } from './support.js';

type Deps = Pick<CoreDeps, 'audit' | 'clock' | 'ids'>;

export interface StrangerInput {
  /** How the channel knows them, e.g. "telegram:4242". */
  readonly who: string;
  readonly channel: Channel;
  /** What they tried: a message, a command, a button. */
  readonly attempted: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Someone who is not in the config reached us: nothing happens, but it is on the record. */
export async function refuseStranger({
  deps,
  input,
}: {
  deps: Deps;
  input: StrangerInput;
}): Promise<void> {
  const at = deps.clock.now().toISOString();
  const actor = { id: input.who, role: 'viewer', channel: input.channel } as const;
  await deps.audit.append(
    auditEntry(deps, actor, at, 'access.denied', 'access:unknown_user', {
      attempted: input.attempted,
      ...input.detail,
    }),
  );
}
