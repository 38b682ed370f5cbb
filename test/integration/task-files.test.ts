import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { runCli, startCli, type RunningCli } from '../helpers/switchboard-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

// `switchboard task import / export` as real processes on a real libSQL file (SPEC §3.8).
const TOKEN = 'task-files-admin-token-0123456789';
const started: RunningCli[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop('SIGKILL')));
});

async function cli(dir: string, ...args: string[]) {
  const run = runCli(args, dir, { SWITCHBOARD_ADMIN_TOKEN: TOKEN });
  const code = await run.exited;
  return { code, out: run.stdout(), err: run.stderr() };
}

const file = (dir: string, name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('task files', () => {
  it('imports requests: an agent prompt from the body, a shell command behind its gate', async () => {
    const dir = makeTempDir();
    const agent = file(
      dir,
      'agent.md',
      '---\ntask_id: old-id-from-elsewhere\ntask_type: agent\ncreated_by: someone\nexpected_outputs: [a PR]\n---\n\nFix the flaky login test.\nKeep the fix small.\n',
    );
    const imported = await cli(dir, 'task', 'import', agent);
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.out).toMatch(/^task \S+ created \(queued\)\n$/);
    const shell = file(
      dir,
      'shell.md',
      '---\ntask_type: shell\nhost: local\nargv: [rm, -rf, dist]\n---\n',
    );
    const gated = await cli(dir, 'task', 'import', shell);
    expect(gated.code).toBe(0);
    expect(gated.out).toMatch(/created \(awaiting_approval\); it waits for one approval/);
  });

  it('refuses a bad task file with the file, the field and what was wrong, and creates nothing', async () => {
    const dir = makeTempDir();
    const cases: [string, string, RegExp][] = [
      [
        'plain.md',
        'just some text\n',
        /plain\.md: it does not start with a --- front matter block/,
      ],
      [
        'yaml.md',
        '---\ntask_type: [unclosed\n---\n',
        /yaml\.md: its front matter is not valid YAML/,
      ],
      ['kind.md', '---\ntask_type: rocket\n---\n', /kind\.md: task_type: /],
      ['extra.md', '---\ntask_type: agent\nsudo: true\n---\nhi\n', /extra\.md: .*sudo/],
      ['empty.md', '---\ntask_type: agent\n---\n\n', /empty\.md: \(body\): /],
      ['argv.md', '---\ntask_type: shell\nhost: local\nargv: []\n---\n', /argv\.md: argv: /],
      [
        'nohost.md',
        '---\ntask_type: shell\nargv: [ls]\n---\n',
        /nohost\.md: host: a shell task needs a host/,
      ],
      [
        'host.md',
        '---\ntask_type: shell\nhost: nowhere\nargv: [ls]\n---\n',
        /host\.md: .*unknown host/,
      ],
      [
        'big.md',
        `---\ntask_type: agent\n---\n${'x'.repeat(1024 * 1024)}`,
        /big\.md: \d+ bytes; a task file may have at most/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const result = await cli(dir, 'task', 'import', file(dir, name, text));
      expect(result.code, name).toBe(1);
      expect(result.err, name).toMatch(message);
    }
    const missing = await cli(dir, 'task', 'import', join(dir, 'nope.md'));
    expect(missing.err).toMatch(/nope\.md: cannot read it \(ENOENT\)/);
    const usage = await cli(dir, 'task', 'frobnicate', 'x');
    expect(usage.code).toBe(2);
    const db = await openDatabase({ url: `file:${join(dir, 'data', 'switchboard.db')}` });
    try {
      const rows = await db.client.execute('SELECT count(*) AS n FROM tasks');
      expect(Number(rows.rows[0]?.['n'])).toBe(0);
    } finally {
      db.close();
    }
  }, 60_000);

  it('exports a finished task and its result; the exported file imports as the same request', async () => {
    const dir = makeTempDir();
    const app = await startCli(dir, { SWITCHBOARD_ADMIN_TOKEN: TOKEN });
    started.push(app);
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const res = await fetch(`${app.url}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ kind: 'shell', host: 'local', argv: ['pwd'], timeout_s: 30 }),
    });
    const { id } = (await res.json()) as { id: string };
    let status = '';
    for (let i = 0; i < 100 && status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const task = await fetch(`${app.url}/api/tasks/${id}`, { headers });
      status = ((await task.json()) as { status: string }).status;
    }
    expect(status).toBe('succeeded');
    await app.stop();

    const exported = await cli(dir, 'task', 'export', id, '--out', dir);
    expect(exported.code).toBe(0);
    const taskFile = readFileSync(join(dir, `${id}.md`), 'utf8');
    expect(taskFile).toContain(`task_id: ${id}`);
    expect(taskFile).toContain('task_type: shell');
    expect(taskFile).toContain('created_by: admin');
    const result = readFileSync(join(dir, `${id}.result.md`), 'utf8');
    expect(result).toMatch(/^---\n/);
    expect(result).toContain('status: succeeded');
    expect(result).toContain('exit_code: 0');
    expect(result).toContain('## Output');

    const again = await cli(dir, 'task', 'import', join(dir, `${id}.md`));
    expect(again.code).toBe(0);
    const newId = /task (\S+) created/.exec(again.out)?.[1] ?? '';
    expect(newId).not.toBe(id);
    const second = await cli(dir, 'task', 'export', newId, '--out', dir);
    expect(second.code).toBe(0);
    const strip = (t: string) =>
      t
        .split('\n')
        .filter((l) => !/^(task_id|created_at|created_by|status):/.test(l))
        .join('\n');
    // Same request: only its history (id, author, time, status) differs.
    expect(strip(readFileSync(join(dir, `${newId}.md`), 'utf8'))).toBe(strip(taskFile));
    const unknown = await cli(dir, 'task', 'export', 'no-such-task', '--out', dir);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('No task with id no-such-task.');
  }, 60_000);
});
