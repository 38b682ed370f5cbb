import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { HostProber } from '../ports/host-prober.js';
import { err, ok, type Result } from '../result.js';
import { auditEntry, denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps<P extends { readonly ok: boolean }> = Pick<CoreDeps, 'audit' | 'clock' | 'ids'> & {
  /** null where no host can be reached from here (the Worker gateway). */
  readonly hosts: HostProber<P> | null;
};

export const hostSubject = (name: string): string => `host:${name}`;

/**
 * Probes a host for someone who may run work on it. A probe opens SSH, so each one is on the
 * record, and so is each refusal: a role that may not (access.denied), or an unknown host.
 */
export async function probeHost<P extends { readonly ok: boolean }>({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps<P>, { readonly name: string }>): Promise<Result<P, DomainError>> {
  const subject = hostSubject(input.name);
  const denied = await denyUnlessAllowed(deps, actor, 'host.probe', subject);
  if (denied) return denied;
  const probe = deps.hosts ? await deps.hosts.probe(input.name) : null;
  const at = deps.clock.now().toISOString();
  if (!probe) {
    await deps.audit.append(
      auditEntry(deps, actor, at, 'host.probe_refused', subject, { reason: 'unknown_host' }),
    );
    return err({ code: 'not_found', entity: 'host', id: input.name });
  }
  await deps.audit.append(auditEntry(deps, actor, at, 'host.probed', subject, { ok: probe.ok }));
  return ok(probe);
}
