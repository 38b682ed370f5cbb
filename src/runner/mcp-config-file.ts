// The MCP config claude reads for permission prompts holds the task's bearer token: it is
// written on the host through stdin (never argv, which `ps` shows) into a 0600 temp file, and
// removed after the run.
import type { Transport } from './transport.js';

/** Where the agent reaches Switchboard's MCP endpoint, and its per-task token. */
export interface AgentMcpGrant {
  readonly url: string;
  readonly token: string;
}

// A fixed script: the only input is stdin (the JSON), the only output the path it wrote.
const WRITE = [
  'sh',
  '-c',
  'umask 077 && f=$(mktemp "${TMPDIR:-/tmp}/switchboard-mcp.XXXXXXXX") && cat > "$f" && printf %s "$f"',
];
const PATH = /^\/[A-Za-z0-9._/-]+$/;
const TIMEOUT_MS = 15_000;

export function mcpConfigJson(grant: AgentMcpGrant): string {
  return JSON.stringify({
    mcpServers: {
      switchboard: {
        type: 'http',
        url: grant.url,
        headers: { Authorization: `Bearer ${grant.token}` },
      },
    },
  });
}

export async function writeMcpConfig(
  transport: Transport,
  grant: AgentMcpGrant,
): Promise<{ ok: true; path: string } | { ok: false; reason: string }> {
  const r = await transport.exec({
    argv: WRITE,
    stdin: mcpConfigJson(grant),
    timeoutMs: TIMEOUT_MS,
  });
  const path = r.stdout.text.trim();
  if (r.exit.kind !== 'exited' || r.exit.code !== 0 || !PATH.test(path)) {
    return {
      ok: false,
      reason: `could not write the MCP config for permission prompts: ${r.stderr.text.trim() || r.failure || 'no path'}`,
    };
  }
  return { ok: true, path };
}

export async function removeMcpConfig(transport: Transport, path: string): Promise<void> {
  await transport.exec({ argv: ['rm', '-f', '--', path], timeoutMs: TIMEOUT_MS });
}
