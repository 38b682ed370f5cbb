import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Actor } from '../../core/actor.js';
import type { CoreDeps } from '../../core/deps.js';
import { registerExecuteTool } from './execute-tool.js';
import { registerHealthTool } from './health-tool.js';
import { registerPermissionTool } from './permission-tool.js';
import { agentTaskId } from '../../core/permission.js';
import { registerTaskTools } from './task-tools.js';
import { registerWorkflowTools } from './workflow-tools.js';

export interface McpOptions {
  readonly version: string;
  /** How often `execute` with wait_seconds looks at the task (ms). */
  readonly pollMs?: number | undefined;
  /** How long an agent's tool-use request waits for a tap (s), and how often it looks (ms). */
  readonly permissionTimeoutS?: number | undefined;
  readonly permissionPollMs?: number | undefined;
}

// The SDK builds a new Ajv for every server unless given one; per request that was the largest
// cost of a call. The validator keeps no per-client state (it caches compiled schemas).
const validator = new AjvJsonSchemaValidator();

/**
 * One MCP server per request (stateless): tools act for the authenticated caller and
 * nothing of one request can reach another.
 */
export function createMcpServer(core: CoreDeps, actor: Actor, options: McpOptions): McpServer {
  const server = new McpServer(
    { name: 'switchboard', version: options.version },
    {
      jsonSchemaValidator: validator,
      instructions:
        'Switchboard runs coding agents (claude, codex, gemini) and commands on the operator’s own ' +
        'machines. Start work with `execute`; risky work waits for the operator’s approval in ' +
        'Telegram, so a task may stay `awaiting_approval`. Follow up with `tasks`. For work with a ' +
        'verdict, use a workflow: `workflow` init → spec (acceptance criteria) → `execute` with ' +
        'workflow_id (logged as a stage) → `workflow` write (stages you ran yourself) → close (the ' +
        'verdict). `workflow_query` shows summary, state (what to do next), consensus (the last two ' +
        'stages compared), stats per executor, and chooser (the cheapest executor likely to succeed).',
    },
  );
  // An agent's per-task token opens one door: asking for permission for its own task.
  const agentTask = agentTaskId(actor);
  if (agentTask) {
    registerPermissionTool(server, core, actor, agentTask, {
      timeoutS: options.permissionTimeoutS,
      pollMs: options.permissionPollMs,
    });
    return server;
  }
  registerExecuteTool(server, core, actor, options);
  registerTaskTools(server, core, actor);
  registerWorkflowTools(server, core, actor);
  registerHealthTool(server, core);
  return server;
}
