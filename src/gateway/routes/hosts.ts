import { Hono } from 'hono';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import type { RunnerRegistry } from '../../core/ports/runner-registry.js';
import { probeHost } from '../../core/use-cases/probe-host.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse } from '../http-errors.js';
import type { HostDirectory, HostProbe } from '../host-directory.js';
import { validate } from '../validation.js';

const nameParam = z.strictObject({ name: z.string().min(1).max(100) });

const presentProbe = (p: HostProbe | null) =>
  p ? { ok: p.ok, checked_at: p.checkedAt, checks: p.checks } : null;

/** /api/hosts and /api/runners: where work runs, and whether it can. */
export function createHostRoutes(
  core: CoreDeps,
  hosts: HostDirectory | null,
  runners: RunnerRegistry,
  embeddedRunner: string | null,
) {
  return new Hono<GatewayEnv>()
    .get('/hosts', (c) =>
      c.json({
        hosts: (hosts?.list() ?? []).map((h) => ({
          name: h.name,
          address: h.address,
          labels: h.labels,
          max_sessions: h.maxSessions,
          probe: presentProbe(hosts?.lastProbe(h.name) ?? null),
        })),
      }),
    )
    .post('/hosts/:name/probe', validate('param', nameParam), async (c) => {
      const name = c.req.valid('param').name;
      const r = await probeHost({
        deps: { ...core, hosts },
        actor: c.get('actor'),
        input: { name },
      });
      return r.ok
        ? c.json({ name, probe: presentProbe(r.value) })
        : domainErrorResponse(c, r.error);
    })
    .get('/runners', async (c) =>
      c.json({
        embedded: embeddedRunner,
        runners: (await runners.list()).map((r) => ({
          id: r.id,
          name: r.name,
          // What its token serves: the operator sees which runner may run work where.
          hosts: r.hosts,
          created_at: r.createdAt,
          last_seen_at: r.lastSeenAt,
        })),
      }),
    );
}
