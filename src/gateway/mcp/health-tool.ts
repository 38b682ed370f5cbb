import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CoreDeps } from '../../core/deps.js';
import { getSystemStatus } from '../../core/use-cases/get-system-status.js';
import { toolResult } from './tool-result.js';

/** `health`: the queue and the spend breakers, so a planner knows whether work can run now. */
export function registerHealthTool(server: McpServer, core: CoreDeps) {
  server.registerTool(
    'health',
    {
      title: 'Switchboard health',
      description:
        'Queue depth and the spend breakers (today, this month): open breakers block new executions.',
      annotations: { readOnlyHint: true },
    },
    async () => {
      const status = await getSystemStatus({ deps: core });
      return toolResult({
        queue_depth: status.queueDepth,
        breakers: status.breakers.map((b) => ({
          scope: b.scope,
          period: b.period,
          state: b.state,
          spent_usd: b.spentUsd,
          threshold_usd: b.thresholdUsd,
        })),
      });
    },
  );
}
