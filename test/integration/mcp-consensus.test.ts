import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';
import { adminClient } from '../helpers/in-process.js';
import { mermaidError } from '../helpers/mermaid-parser.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'mcp-consensus-admin-token-0123';

// A stand-in claude that answers by model: the two models agree on prompts that say "agree"
// and give different second lines otherwise. Prints claude's `--output-format json` result.
const FAKE_CLAUDE = `#!/bin/sh
model=""
for a in "$@"; do case "$a" in --model=*) model="\${a#--model=}" ;; esac; done
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

// A stand-in claude that edits the repo it runs in: the same README edit from both models, and
// a new file that differs by model. The agent stages nothing itself.
const EDITING_CLAUDE = `#!/bin/sh
model=""
for a in "$@"; do case "$a" in --model=*) model="\${a#--model=}" ;; esac; done
cat >/dev/null
printf '# demo\\nedited\\n' > README.md
printf 'shared line\\nby %s\\n' "$model" > fix.txt
printf '{"type":"result","subtype":"success","is_error":false,"result":"patched by %s","total_cost_usd":0.01}\\n' "$model"
`;

describe('MCP consensus on a repo: each side in its own worktree, and their changed files compared', () => {
  let app: RunningSwitchboard;
  let repo: string;
  beforeAll(async () => {
    const dir = makeTempDir();
    repo = join(dir, 'demo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'README.md'), '# demo\n');
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    app = await startWithFakeClaude({
      adminToken: TOKEN,
      script: EDITING_CLAUDE,
      dir,
      yaml: [
        'users: []',
        'repos:',
        `  - { name: demo, host: local, path: ${repo} }`,
        'executors:',
        '  - { name: claude-sonnet, cli: claude, model: sonnet }',
        '  - { name: claude-opus, cli: claude, model: opus }',
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  it('runs the sides in two worktrees and reports where their changes differ', async () => {
    const client = new Client({ name: 'consensus-repo-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const r = (await client.callTool({
      name: 'execute',
      arguments: {
        prompt: 'Fix the flaky login test',
        executor: 'claude-sonnet',
        second_executor: 'claude-opus',
        repo: 'demo',
        consensus: true,
        wait_seconds: 30,
      },
    })) as CallToolResult;
    await client.close();
    expect(r.isError).toBeFalsy();
    const v = r.structuredContent as unknown as ConsensusResult & { changes_diff: string | null };
    expect(v.runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);

    // Two worktrees, one per side, each with its own edits (kept: they hold uncommitted work).
    const [a, b] = v.runs.map((x) => join(repo, '.switchboard', 'worktrees', x.id));
    expect(readFileSync(join(a!, 'fix.txt'), 'utf8')).toBe('shared line\nby sonnet\n');
    expect(readFileSync(join(b!, 'fix.txt'), 'utf8')).toBe('shared line\nby opus\n');
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('# demo\n');
    // The diff was taken without touching the agent's index: the new file is still untracked.
    expect(git(a!, 'status', '--porcelain').split('\n').sort()).toEqual([
      ' M README.md',
      '?? fix.txt',
    ]);

    // Each side's stage records its own changes against where it started.
    const stageA = await adminClient(() => app.url, TOKEN).get<{
      stages: { changes_diff: string | null }[];
    }>(v.runs[0]!.id);
    expect(stageA.stages[0]?.changes_diff).toContain('+++ b/fix.txt');
    expect(stageA.stages[0]?.changes_diff).toContain('+by sonnet');
    expect(stageA.stages[0]?.changes_diff).toContain('+edited');

    // The report: the same README edit is no difference; the new file's last line is.
    const changed = (v.changes_diff ?? '').split('\n');
    expect(changed).toContain('-+by sonnet');
    expect(changed).toContain('++by opus');
    expect(changed.filter((l) => /^[-+]/.test(l) && l.includes('edited'))).toEqual([]);
  });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trimEnd();
}
