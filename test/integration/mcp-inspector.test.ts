import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startInProcess } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'mcp-inspector-admin-token-0123';
// The Inspector's CLI, run as a separate process: a client we did not write.
const INSPECTOR = join(
  dirname(
    createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/package.json'),
  ),
  'build',
  'index.js',
);

describe('the MCP Inspector CLI against /mcp', () => {
  let app: RunningSwitchboard;
  beforeAll(async () => {
    app = await startInProcess({ dir: makeTempDir(), adminToken: TOKEN, yaml: 'users: []' });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  const inspect = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        INSPECTOR,
        `${app.url}/mcp`,
        '--transport',
        'http',
        '--header',
        `Authorization: Bearer ${TOKEN}`,
        ...args,
      ],
      // It looks for its own package.json relative to the working directory.
      { timeout: 20_000, cwd: dirname(INSPECTOR) },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  it('lists the tools', async () => {
    const { tools } = (await inspect('--method', 'tools/list')) as { tools: { name: string }[] };
    expect(tools.map((t) => t.name).sort()).toEqual([
      'approve',
      'execute',
      'health',
      'tasks',
      'workflow',
      'workflow_query',
    ]);
  });

  it('calls health and tasks', async () => {
    const health = (await inspect('--method', 'tools/call', '--tool-name', 'health')) as {
      structuredContent: { breakers: unknown[] };
    };
    expect(health.structuredContent.breakers).toHaveLength(2);
    const list = (await inspect(
      '--method',
      'tools/call',
      '--tool-name',
      'tasks',
      '--tool-arg',
      'action=list',
    )) as {
      structuredContent: { items: unknown[] };
      isError?: boolean;
    };
    expect(list.isError).toBeFalsy();
    expect(list.structuredContent.items).toEqual([]);
  });
});
