import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';
import { mermaidError } from '../helpers/mermaid-parser.js';

const TOKEN = 'mcp-consensus-admin-token-0123';

// A stand-in claude that answers by model: the two models agree on prompts that say "agree"
// and give different second lines otherwise. Prints claude's `--output-format json` result.
const FAKE_CLAUDE = `#!/bin/sh
model=""; prev=""
for a in "$@"; do if [ "$prev" = "--model" ]; then model="$a"; fi; prev="$a"; done
prompt=$(cat)
case "$prompt" in
  *agree*) answer="The flaky test waits on a timer.\\\\nFix: use fake timers." ;;
  *) answer="The flaky test waits on a timer.\\\\nFix by $model." ;;
esac
printf '{"type":"result","subtype":"success","is_error":false,"result":"%s","session_id":"s-%s","total_cost_usd":0.01,"usage":{"input_tokens":10,"output_tokens":5}}\\n' "$answer" "$model"
`;

interface ConsensusResult {
  consensus: boolean;
  workflow_id: string;
  runs: { id: string; status: string }[];
  agreement: number | null;
  diff?: string | null;
  mermaid?: string | null;
  note: string;
}

describe('MCP execute with consensus: two executors, one workflow, a comparison', () => {
  let app: RunningSwitchboard;
  beforeAll(async () => {
    app = await startWithFakeClaude({
      adminToken: TOKEN,
      script: FAKE_CLAUDE,
      yaml: [
        'users: []',
        'executors:',
        '  - { name: claude-sonnet, cli: claude, model: sonnet }',
        '  - { name: claude-opus, cli: claude, model: opus }',
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  async function execute(args: Record<string, unknown>) {
    const client = new Client({ name: 'consensus-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const r = (await client.callTool({ name: 'execute', arguments: args })) as CallToolResult;
    await client.close();
    return r;
  }

  it('runs both, logs both in a workflow, and shows where the answers differ', async () => {
    const r = await execute({
      prompt: 'Why is the login test flaky?',
      executor: 'claude-sonnet',
      second_executor: 'claude-opus',
      host: 'local',
      consensus: true,
      wait_seconds: 30,
    });
    expect(r.isError).toBeFalsy();
    const v = r.structuredContent as unknown as ConsensusResult;
    expect(v.runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect(v.agreement).toBeGreaterThan(0);
    expect(v.agreement).toBeLessThan(1);
    expect(v.diff).toContain('Fix by sonnet');
    expect(v.diff).toContain('Fix by opus');
    expect(v.workflow_id).toBeTruthy();
    // The comparison as a diagram: both executors, the agreement, and it parses.
    expect(v.mermaid).toContain('claude-sonnet ✓');
    expect(v.mermaid).toContain('claude-opus ✓');
    expect(v.mermaid).toContain('agree 33#37; · −1 +1 lines'); // % is escaped for Mermaid
    expect(await mermaidError(v.mermaid ?? '')).toBeNull();
  });

  it('scores agreeing answers 1 and picks the second executor itself when none is named', async () => {
    const r = await execute({
      prompt: 'Do you agree the login test is flaky?',
      executor: 'claude-opus',
      host: 'local',
      consensus: true,
      wait_seconds: 30,
    });
    const v = r.structuredContent as unknown as ConsensusResult;
    expect(v.runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect(v.agreement).toBe(1);
  });

  it('refuses a consensus on a command, and one with the same executor twice', async () => {
    const shell = await execute({ command: ['ls'], consensus: true });
    expect(shell.isError).toBe(true);
    expect(JSON.stringify(shell.content)).toContain('two agents');
    const same = await execute({
      prompt: 'x',
      executor: 'claude-opus',
      second_executor: 'claude-opus',
      consensus: true,
    });
    expect(same.isError).toBe(true);
  });
});
