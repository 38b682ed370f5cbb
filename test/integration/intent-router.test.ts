import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startWithFakeClaude } from '../helpers/fake-claude-app.js';
import { makeTempDir } from '../helpers/temp-db.js';

// The optional LLM router end to end: an executor marked `router: true` is run on this machine
// through its real profile (here a stand-in `claude` that prints claude's real JSON result).
const TOKEN = 'router-admin-token-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

// Answers like a model would: JSON inside the `result` text; logs the prompt it got on stdin.
const FAKE_CLAUDE = `#!/bin/sh
cat > "$HOME/router-prompt.txt"
printf '%s\\n' '{"type":"result","subtype":"success","is_error":false,"result":"Here you go: {\\"kind\\":\\"agent\\",\\"executor\\":\\"claude-opus\\",\\"repo\\":\\"demo\\"}","session_id":"s","total_cost_usd":0.001,"usage":{"input_tokens":1,"output_tokens":1}}'
`;

describe('intent router: an executor marked router reads unsure messages', () => {
  let app: RunningSwitchboard;
  let dir: string;
  beforeAll(async () => {
    dir = makeTempDir();
    app = await startWithFakeClaude({
      dir,
      adminToken: TOKEN,
      script: FAKE_CLAUDE,
      version: 'router',
      yaml: [
        'repos:',
        `  - { name: demo, host: local, path: ${dir} }`,
        'executors:',
        '  - { name: codex, cli: codex }',
        '  - { name: claude-opus, cli: claude, model: opus, router: true }',
        'default_executor: codex',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  const parse = async (text: string) => {
    const res = await fetch(`${app.url}/api/parse`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ text }),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  it('routes a message the rules could only guess at, and leaves sure ones alone', async () => {
    expect(await parse('make the onboarding flow nicer')).toMatchObject({
      type: 'task',
      draft: {
        kind: 'agent',
        executor: 'claude-opus',
        repo: 'demo',
        prompt: 'make the onboarding flow nicer',
      },
      assumptions: ['read by claude-opus'],
    });
    const prompt = readFileSync(join(dir, 'router-prompt.txt'), 'utf8');
    expect(prompt).toContain('"make the onboarding flow nicer"');
    expect(prompt).toContain('Repos: demo.');
    writeFileSync(join(dir, 'router-prompt.txt'), '');
    expect(await parse('ask codex to fix the login test')).toMatchObject({
      draft: { executor: 'codex' },
      assumptions: [],
    });
    expect(readFileSync(join(dir, 'router-prompt.txt'), 'utf8')).toBe('');
  });
});
