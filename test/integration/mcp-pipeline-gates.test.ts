import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient, startInProcess } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

// An MCP client starts a pipeline whose second step waits at an approval gate; the same
// token must not open that gate, in dev (a tap) or production (the typed phrase again).
const TOKEN = 'mcp-pipeline-gates-admin-token-01';
const PHRASE = 'DEPLOY TO PRODUCTION';
const RELEASE = `---
description: Plan, then apply once an approver lets it.
risk: { dev: low, production: high }
steps:
  - { name: plan, argv: ['true'] }
  - { name: apply, gate: approval, argv: ['true'] }
---
A pipeline for the self-approval test.
`;

interface AuditJson {
  actor: string;
  channel: string;
  action: string;
  detail: Record<string, unknown>;
}
interface TaskJson {
  id: string;
  status: string;
  gate: string;
  risk: string;
  audit: AuditJson[];
  pipeline?: { status: string; steps: { name: string; task_id: string | null }[] };
}

describe('MCP: a client never approves the gates of a pipeline it started', () => {
  let app: RunningSwitchboard;
  let client: Client;
  const api = adminClient(() => app.url, TOKEN);

  beforeAll(async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'release.md'), RELEASE);
    app = await startInProcess({
      dir,
      adminToken: TOKEN,
      yaml: 'users: []\ntemplates_dir: ./templates\n',
    });
    client = new Client({ name: 'pipeline-starter', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await app?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;

  /** Polls the pipeline (it runs on the embedded runner) until its gate step waits. */
  async function gateStep(pipelineId: string): Promise<TaskJson> {
    for (let i = 0; i < 300; i++) {
      const p = await api.get<TaskJson>(pipelineId);
      const id = p.pipeline?.steps[1]?.task_id;
      if (id) {
        const step = await api.get<TaskJson>(id);
        if (step.status === 'awaiting_approval') return step;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no gate step: ${JSON.stringify(await api.get(pipelineId))}`);
  }

  async function expectRefused(stepId: string, phrase?: string) {
    const refused = await call('approve', {
      id: stepId,
      decision: 'approve',
      ...(phrase ? { phrase } : {}),
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('requested by this same client');
    const step = await api.get<TaskJson>(stepId);
    expect(step.status).toBe('awaiting_approval');
    expect(step.audit.at(-1)).toMatchObject({
      actor: 'mcp:admin',
      channel: 'mcp',
      action: 'task.approval_refused',
      detail: { reason: 'self_approval' },
    });
  }

  it('refuses the same token at a dev gate and audits it; a person then approves', async () => {
    const started = await call('execute', { template: 'release', environment: 'dev' });
    expect(started.isError).toBeFalsy();
    const pipelineId = (started.structuredContent as { id: string }).id;
    const step = await gateStep(pipelineId);
    expect(step).toMatchObject({ gate: 'tap' });
    await expectRefused(step.id);
    const approved = await api.post(`/api/tasks/${step.id}/approve`, {});
    expect(approved.status).toBe(200);
    expect((await api.settled(pipelineId)).status).toBe('succeeded');
  }, 30_000);

  it('in production each gate needs its own typed phrase, and never from the starter', async () => {
    const started = await call('execute', { template: 'release', environment: 'production' });
    const pipelineId = (started.structuredContent as { id: string; gate: string }).id;
    expect(started.structuredContent).toMatchObject({ gate: 'typed_phrase' });
    await expectRefused(pipelineId, PHRASE);
    expect((await api.post(`/api/tasks/${pipelineId}/approve`, { phrase: PHRASE })).status).toBe(
      200,
    );
    // The phrase typed for the whole pipeline does not open the gate before `apply`.
    const step = await gateStep(pipelineId);
    expect(step).toMatchObject({ gate: 'typed_phrase', risk: 'high' });
    await expectRefused(step.id, PHRASE);
    expect((await api.post(`/api/tasks/${step.id}/approve`, {})).status).toBe(422);
    expect((await api.post(`/api/tasks/${step.id}/approve`, { phrase: PHRASE })).status).toBe(200);
    expect((await api.settled(pipelineId)).status).toBe('succeeded');
  }, 30_000);
});
