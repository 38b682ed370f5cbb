// The real agent CLIs (npm: @anthropic-ai/claude-code, @openai/codex, @google/gemini-cli, pinned
// in test/real-clis/package.json and installed there by scripts/test-setup.js) run on an SSH test
// host through the whole path: HTTP → queue → runner → executor profile → SSH → parse → stage.
// They get no credentials (an empty HOME) and no network, so each fails the way it does for a
// user who has not logged in or is offline, and the stage must say which failure it was.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { quote } from '../../src/runner/command-line.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { startInProcess } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'real-clis-admin-token-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const INSTALLED = fileURLToPath(new URL('../real-clis/node_modules', import.meta.url));
const CLIS = ['claude', 'codex', 'gemini'] as const;
/** codex never exits while offline (it keeps reconnecting): this time limit is what ends it. */
const CODEX_TIMEOUT_S = 10;

interface StageJson {
  outcome: string;
  exit_code: number | null;
  error_class: string | null;
  stdout_tail: string | null;
  stderr_tail: string | null;
  summary: string | null;
  session_id: string | null;
  cost_usd: number;
}
interface TaskJson {
  id: string;
  status: string;
  stages: StageJson[];
}

describe('the real claude, codex and gemini CLIs on an SSH host, logged out and offline', () => {
  let sshd: Sshd;
  let app: RunningSwitchboard;
  let dir: string;
  /** The CLIs' HOME on the host: empty but for codex's offline endpoint (see beforeAll). */
  let home: string;
  /** A world-readable copy of the install, made only when the user cannot reach the checkout. */
  let copy: string | undefined;

  beforeAll(async () => {
    const missing = CLIS.filter((cli) => !existsSync(join(INSTALLED, '.bin', cli)));
    if (missing.length > 0) {
      throw new Error(
        `${missing.join(', ')} not installed in ${INSTALLED}: run \`node scripts/test-setup.js\``,
      );
    }
    dir = makeTempDir();
    home = mkdtempSync(join(tmpdir(), 'switchboard-real-clis-home-'));
    // The remote command keeps PATH and HOME from the login environment (command-line.ts), so
    // sshd's SetEnv sets both. It is fixed before the login user exists to ask what it can
    // reach, so PATH names both places the CLIs may run from: the checkout, else a copy made
    // below. A command search skips a dir it cannot enter. node must be on PATH too: codex and
    // gemini are node scripts.
    const installCopy = mkdtempSync(join(tmpdir(), 'switchboard-real-clis-'));
    const paths = [join(INSTALLED, '.bin'), join(installCopy, 'node_modules', '.bin')];
    const nodeDir = dirname(process.execPath);
    const path = [...paths, nodeDir, '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    sshd = await startSshd({ extraConfig: [`SetEnv PATH=${path} HOME=${home}`] });

    // The host user may not be able to traverse the checkout (e.g. a clone under /root): then
    // run the same files from a world-readable hard-linked (or, across filesystems, copied) tree.
    if (!(await reachable(join(INSTALLED, '.bin')))) {
      copy = installCopy;
      chmodSync(copy, 0o755);
      const target = join(copy, 'node_modules');
      try {
        execFileSync('cp', ['-al', INSTALLED, target]);
      } catch {
        rmSync(target, { recursive: true, force: true });
        execFileSync('cp', ['-a', INSTALLED, target]);
      }
      if (!(await reachable(join(target, '.bin')))) {
        throw new Error(`${sshd.user} cannot run the CLIs in ${target} either`);
      }
    } else {
      rmSync(installCopy, { recursive: true, force: true });
    }
    const node = await sshd.run(`PATH=${quote(path)} node --version`);
    if (node.code !== 0) {
      throw new Error(`${sshd.user} cannot run node from ${nodeDir}: ${node.stderr}`);
    }

    // No credentials anywhere in HOME, and no network for codex: wherever the host has internet
    // it would reach api.openai.com and get a 401 instead. Its own setting points it at a closed
    // loopback port, which fails just like the offline capture (retries until killed). claude
    // and gemini decide "not logged in" locally, whether or not the host is online.
    mkdirSync(join(home, '.codex'));
    writeFileSync(
      join(home, '.codex', 'config.toml'),
      `openai_base_url = "http://127.0.0.1:${await closedPort()}/v1"\n`,
    );
    const { uid, gid } = statSync(sshd.userDir);
    execFileSync('chown', ['-R', `${uid}:${gid}`, home]);

    // codex refuses to run outside a git repository: its task runs on a repo (in a worktree).
    const repo = join(sshd.userDir, 'demo');
    const git = `git -c user.name=t -c user.email=t@example.com`;
    const made = await sshd.run(
      `git init -q ${quote(repo)} && cd ${quote(repo)} && ${git} commit -q --allow-empty -m init`,
    );
    if (made.code !== 0) throw new Error(`git init on the host failed: ${made.stderr}`);

    app = await startInProcess({
      dir,
      yaml: [
        'hosts:',
        `  - { name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}", max_sessions: 10 }`,
        'repos:',
        `  - { name: demo, host: vm, path: ${repo} }`,
        'executors:',
        ...CLIS.map((cli) => `  - { name: ${cli}, cli: ${cli} }`),
        'lease_s: 5',
        'runner: { concurrency: 4 }',
      ].join('\n'),
      adminToken: TOKEN,
      path: '/usr/bin:/bin',
      version: 'real-clis',
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await sshd?.stop();
    for (const d of [home, copy]) if (d) rmSync(d, { recursive: true, force: true });
  });

  async function reachable(binDir: string): Promise<boolean> {
    const tests = CLIS.map((cli) => `test -x ${quote(join(binDir, cli))}`).join(' && ');
    return (await sshd.run(tests)).code === 0;
  }

  const submit = async (body: Record<string, unknown>): Promise<string> => {
    const res = await fetch(`${app.url}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ kind: 'agent', prompt: 'Say hello.', ...body }),
    });
    const task = (await res.json()) as TaskJson;
    // Agent prompts are low risk: queued at once, no approval.
    expect([res.status, task.status]).toEqual([201, 'queued']);
    return task.id;
  };
  const get = async (id: string) =>
    (await (await fetch(`${app.url}/api/tasks/${id}`, { headers })).json()) as TaskJson;
  async function settled(id: string, timeoutMs = 30_000): Promise<TaskJson> {
    for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(100)) {
      const task = await get(id);
      if (!['queued', 'running'].includes(task.status)) return task;
    }
    throw new Error(`task ${id} did not finish: ${JSON.stringify(await get(id))}`);
  }
  /**
   * The CLIs' processes still alive on the host, found by `ps` as the host user: those with the
   * CLIs' HOME in their environment (`ps e`), so nothing another test file runs there matches.
   */
  async function leftovers(): Promise<string[]> {
    const ps = await sshd.run('ps e -u "$(id -u)" -o stat= -o args=');
    const ours = new RegExp(` HOME=${escape(home)}( |$)`);
    return ps.stdout
      .split('\n')
      .filter((line) => ours.test(line) && !line.trim().startsWith('Z'))
      .map((line) => line.slice(0, line.indexOf(' HOME=')));
  }

  it('classifies each CLI’s own failure: not logged in (claude, gemini), offline until the timeout (codex)', async () => {
    // All at once, as a user would: the runner takes four tasks at a time.
    const [claudeId, geminiId, codexId, codexNoRepoId] = await Promise.all([
      submit({ executor: 'claude', host: 'vm' }),
      submit({ executor: 'gemini', host: 'vm' }),
      submit({ executor: 'codex', repo: 'demo', timeout_s: CODEX_TIMEOUT_S }),
      submit({ executor: 'codex', host: 'vm', timeout_s: CODEX_TIMEOUT_S }),
    ]);

    // claude exits 1 with a `result` whose subtype says success but is_error is true.
    const claude = await settled(claudeId);
    expect(claude.status).toBe('failed');
    expect(claude.stages[0]).toMatchObject({
      exit_code: 1,
      error_class: 'auth_failure',
      summary: 'Not logged in · Please run /login',
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      cost_usd: 0,
    });
    // stream-json (for live spend): one event per line, the `result` event last.
    const events = (claude.stages[0]?.stdout_tail ?? '').trim().split('\n');
    expect(JSON.parse(events.at(-1) ?? '')).toMatchObject({
      type: 'result',
      is_error: true,
    });

    // gemini exits 41 with its error document on stderr; it names the settings file in HOME,
    // which shows the CLI ran with the empty HOME and no credentials.
    const gemini = await settled(geminiId);
    expect(gemini.status).toBe('failed');
    expect(gemini.stages[0]).toMatchObject({
      exit_code: 41,
      error_class: 'auth_failure',
      summary: expect.stringMatching(
        new RegExp(`^Please set an Auth method in your ${escape(home)}/\\.gemini/settings\\.json`),
      ),
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    // codex outside a git repository stops at once and says why: a plain failure, not auth or
    // network, since neither was tried.
    const codexNoRepo = await settled(codexNoRepoId);
    expect(codexNoRepo.status).toBe('failed');
    expect(codexNoRepo.stages[0]).toMatchObject({
      exit_code: 1,
      error_class: 'failed',
      summary: 'Not inside a trusted directory and --skip-git-repo-check was not specified.',
    });

    // codex in a repository keeps retrying the unreachable endpoint until the task's time limit
    // kills it. The stage is a timeout (the transport's verdict wins: codex never gave up), and
    // the summary keeps codex's last words, which say why.
    const codex = await settled(codexId, (CODEX_TIMEOUT_S + 20) * 1_000);
    expect(codex.status).toBe('timed_out');
    const stage = codex.stages[0];
    expect(stage).toMatchObject({
      error_class: 'timeout',
      summary: expect.stringMatching(
        // "Reconnecting... n/5 (stream disconnected …)", "Falling back from WebSockets …" or
        // "Reconnecting... waiting for network": which one is last depends on the retry timing.
        /^Timed out; last message: .*(stream disconnected before completion|waiting for network)/,
      ),
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(stage?.stdout_tail).toContain('"type":"thread.started"');
    expect(stage?.stdout_tail).toMatch(/Connection refused|error sending request/);

    // The time limit killed codex's whole process group: its node launcher and native binary.
    expect(await leftovers()).toEqual([]);
  }, 60_000);
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from :0');
  return address.port;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
