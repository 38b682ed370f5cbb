import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalTransport } from '../../src/runner/local-transport.js';
import { createSshTransport } from '../../src/runner/ssh/ssh-transport.js';
import type { ExecRequest, ExecResult, Transport } from '../../src/runner/transport.js';
import {
  cleanupWorktree,
  prepareWorktree,
  sweepWorktrees,
  worktreePath,
} from '../../src/runner/worktrees.js';
import { INJECTIONS } from '../helpers/injections.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { makeTempDir } from '../helpers/temp-db.js';

// Commits need an identity; the hosts have no git config for it.
const IDENTITY = {
  GIT_AUTHOR_NAME: 'Switchboard Test',
  GIT_AUTHOR_EMAIL: 'test@switchboard.invalid',
  GIT_COMMITTER_NAME: 'Switchboard Test',
  GIT_COMMITTER_EMAIL: 'test@switchboard.invalid',
};
const HOUR = 3_600_000;

interface Host {
  readonly t: Transport;
  /** A fresh empty directory on the host, owned by the user commands run as. */
  newDir(): Promise<string>;
}

async function exec(t: Transport, argv: string[], more: Partial<ExecRequest> = {}) {
  return t.exec({ argv, env: IDENTITY, timeoutMs: 30_000, ...more });
}

/** Runs a command that must succeed and returns its stdout. */
async function must(t: Transport, argv: string[], more: Partial<ExecRequest> = {}) {
  const r = await exec(t, argv, more);
  expect(r.exit, `${argv.join(' ')}: ${r.stderr.text}`).toEqual({ kind: 'exited', code: 0 });
  return r.stdout.text;
}

const isZero = (r: ExecResult) => r.exit.kind === 'exited' && r.exit.code === 0;

const exists = async (t: Transport, path: string) => isZero(await exec(t, ['test', '-e', path]));

const write = (t: Transport, path: string, text: string) => must(t, ['tee', path], { stdin: text });

/** A repository with one commit on `main` holding README.md. */
async function makeRepo(host: Host): Promise<string> {
  const repo = await host.newDir();
  await must(host.t, ['git', 'init', '-q', '-b', 'main', repo]);
  await write(host.t, `${repo}/README.md`, 'hello from the repo\n');
  await must(host.t, ['git', '-C', repo, 'add', 'README.md']);
  await must(host.t, ['git', '-C', repo, 'commit', '-q', '-m', 'init']);
  return repo;
}

const branchExists = async (t: Transport, repo: string, branch: string) =>
  isZero(
    await exec(t, ['git', '-C', repo, 'show-ref', '--verify', '--quiet', `refs/heads/${branch}`]),
  );

/** Sets a directory's mtime to `secondsAgo` before now (the TTL sweep reads it). */
const age = (t: Transport, path: string, secondsAgo: number) =>
  must(t, ['touch', '-d', `@${Math.floor(Date.now() / 1000) - secondsAgo}`, path]);

function worktreeSuite(name: string, start: () => Promise<{ host: Host; stop(): Promise<void> }>) {
  describe(`worktrees over the ${name} transport`, () => {
    let host: Host;
    let stop: () => Promise<void> = async () => {};
    beforeAll(async () => {
      ({ host, stop } = await start());
    }, 60_000);
    afterAll(() => stop());

    it('creates the worktree on its own branch, where a command sees the repo files', async () => {
      const repo = await makeRepo(host);
      const prepared = await prepareWorktree(host.t, { repoPath: repo, taskId: 'task-1' });
      expect(prepared).toEqual({
        ok: true,
        path: `${repo}/.switchboard/worktrees/task-1`,
        branch: 'switchboard/task-1',
        reused: false,
      });
      if (!prepared.ok) return;
      const seen = await must(host.t, ['cat', 'README.md'], { cwd: prepared.path });
      expect(seen).toBe('hello from the repo\n');
      const head = await must(host.t, ['git', 'rev-parse', '--abbrev-ref', 'HEAD'], {
        cwd: prepared.path,
      });
      expect(head.trim()).toBe('switchboard/task-1');
      // The worktrees stay out of the user's own `git status`.
      expect(await must(host.t, ['git', '-C', repo, 'status', '--porcelain'])).toBe('');
    });

    it('reuses the worktree of a retried attempt as it is', async () => {
      const repo = await makeRepo(host);
      const first = await prepareWorktree(host.t, { repoPath: repo, taskId: 'retry-1' });
      if (!first.ok) throw new Error(first.reason);
      await write(host.t, `${first.path}/progress.txt`, 'half done\n');
      const again = await prepareWorktree(host.t, { repoPath: repo, taskId: 'retry-1' });
      expect(again).toEqual({ ...first, reused: true });
      expect(await must(host.t, ['cat', `${first.path}/progress.txt`])).toBe('half done\n');
    });

    it('recreates a worktree whose directory was deleted behind its back', async () => {
      const repo = await makeRepo(host);
      const first = await prepareWorktree(host.t, { repoPath: repo, taskId: 'gone-1' });
      if (!first.ok) throw new Error(first.reason);
      await must(host.t, ['rm', '-rf', first.path]);
      const again = await prepareWorktree(host.t, { repoPath: repo, taskId: 'gone-1' });
      expect(again).toMatchObject({ ok: true, path: first.path, reused: false });
      expect(await must(host.t, ['cat', 'README.md'], { cwd: first.path })).toContain('hello');
    });

    it('starts from the given base ref and refuses one that does not exist', async () => {
      const repo = await makeRepo(host);
      const base = (await must(host.t, ['git', '-C', repo, 'rev-parse', 'HEAD'])).trim();
      await write(host.t, `${repo}/later.txt`, 'later\n');
      await must(host.t, ['git', '-C', repo, 'add', 'later.txt']);
      await must(host.t, ['git', '-C', repo, 'commit', '-q', '-m', 'later']);
      const p = await prepareWorktree(host.t, { repoPath: repo, taskId: 'based', baseRef: base });
      if (!p.ok) throw new Error(p.reason);
      expect(await exists(host.t, `${p.path}/later.txt`)).toBe(false);
      const missing = await prepareWorktree(host.t, {
        repoPath: repo,
        taskId: 'based-2',
        baseRef: 'no-such-branch',
      });
      expect(missing).toEqual({
        ok: false,
        reason: `base no-such-branch does not name a commit in ${repo}`,
      });
    });

    it('removes a clean worktree after success, and its branch when fully merged', async () => {
      const repo = await makeRepo(host);
      const p = await prepareWorktree(host.t, { repoPath: repo, taskId: 'clean-1' });
      if (!p.ok) throw new Error(p.reason);
      const r = await cleanupWorktree(host.t, {
        repoPath: repo,
        taskId: 'clean-1',
        outcome: 'succeeded',
      });
      expect(r).toEqual({
        removed: true,
        reason: 'removed; branch switchboard/clean-1 deleted (fully merged)',
        branchDeleted: true,
      });
      expect(await exists(host.t, p.path)).toBe(false);
      expect(await branchExists(host.t, repo, 'switchboard/clean-1')).toBe(false);
    });

    it('keeps the branch of a removed worktree when it has unmerged commits', async () => {
      const repo = await makeRepo(host);
      const p = await prepareWorktree(host.t, { repoPath: repo, taskId: 'work-1' });
      if (!p.ok) throw new Error(p.reason);
      await write(host.t, `${p.path}/feature.txt`, 'the work\n');
      await must(host.t, ['git', 'add', 'feature.txt'], { cwd: p.path });
      await must(host.t, ['git', 'commit', '-q', '-m', 'feature'], { cwd: p.path });
      const r = await cleanupWorktree(host.t, {
        repoPath: repo,
        taskId: 'work-1',
        outcome: 'succeeded',
      });
      expect(r).toEqual({
        removed: true,
        reason: 'removed; branch switchboard/work-1 kept: it has commits not in HEAD',
        branchDeleted: false,
      });
      expect(await branchExists(host.t, repo, 'switchboard/work-1')).toBe(true);
      // A later attempt picks the branch up again, with the work on it.
      const again = await prepareWorktree(host.t, { repoPath: repo, taskId: 'work-1' });
      expect(again).toMatchObject({ ok: true, reused: false });
      expect(await must(host.t, ['cat', `${p.path}/feature.txt`])).toBe('the work\n');
    });

    it('keeps a worktree with uncommitted changes, and says so', async () => {
      const repo = await makeRepo(host);
      const p = await prepareWorktree(host.t, { repoPath: repo, taskId: 'dirty-1' });
      if (!p.ok) throw new Error(p.reason);
      await write(host.t, `${p.path}/README.md`, 'edited\n');
      await write(host.t, `${p.path}/notes.txt`, 'untracked\n');
      const r = await cleanupWorktree(host.t, {
        repoPath: repo,
        taskId: 'dirty-1',
        outcome: 'succeeded',
      });
      expect(r).toEqual({
        removed: false,
        reason: 'kept: 2 uncommitted changes in the worktree',
        branchDeleted: false,
      });
      expect(await must(host.t, ['cat', `${p.path}/notes.txt`])).toBe('untracked\n');
      expect(await branchExists(host.t, repo, 'switchboard/dirty-1')).toBe(true);
    });

    it('keeps the worktree of a failed task for inspection', async () => {
      const repo = await makeRepo(host);
      const p = await prepareWorktree(host.t, { repoPath: repo, taskId: 'failed-1' });
      if (!p.ok) throw new Error(p.reason);
      for (const outcome of ['failed', 'timed_out', 'cancelled'] as const) {
        const r = await cleanupWorktree(host.t, { repoPath: repo, taskId: 'failed-1', outcome });
        expect(r).toEqual({
          removed: false,
          reason: `kept for inspection (task ${outcome})`,
          branchDeleted: false,
        });
      }
      expect(await exists(host.t, `${p.path}/README.md`)).toBe(true);
    });

    it('sweeps expired clean worktrees and keeps dirty, young and unknown ones', async () => {
      const repo = await makeRepo(host);
      const paths: Record<string, string> = {};
      for (const id of ['old-clean', 'old-dirty', 'young']) {
        const p = await prepareWorktree(host.t, { repoPath: repo, taskId: id });
        if (!p.ok) throw new Error(p.reason);
        paths[id] = p.path;
      }
      const oldClean = paths['old-clean'] ?? '';
      const oldDirty = paths['old-dirty'] ?? '';
      await write(host.t, `${oldDirty}/wip.txt`, 'not committed\n');
      const stray = worktreePath(repo, 'stray');
      await must(host.t, ['mkdir', stray]);
      for (const path of [oldClean, oldDirty, stray]) await age(host.t, path, 3 * HOUR);

      const r = await sweepWorktrees(host.t, { repoPath: repo, now: new Date(), ttlMs: HOUR });
      expect(r.removed).toEqual([oldClean]);
      expect(r.kept.sort()).toEqual([oldDirty, stray].sort());
      expect(r.reasons[oldDirty]).toBe('kept: 1 uncommitted change in the worktree');
      expect(r.reasons[stray]).toBe('kept: not a registered worktree of this repository');
      expect(r.reasons[oldClean]).toMatch(/^expired; removed;/);
      expect(await exists(host.t, oldClean)).toBe(false);
      expect(await exists(host.t, `${oldDirty}/wip.txt`)).toBe(true);
      expect(await exists(host.t, paths['young'] ?? '')).toBe(true);
    });

    it('sweeps oldest clean worktrees first until under the disk quota', async () => {
      const repo = await makeRepo(host);
      // A 256 KiB file makes each worktree's size dominate the rounding of du.
      await write(host.t, `${repo}/big.txt`, 'x'.repeat(256 * 1024));
      await must(host.t, ['git', '-C', repo, 'add', 'big.txt']);
      await must(host.t, ['git', '-C', repo, 'commit', '-q', '-m', 'big']);
      const ids = ['q-dirty', 'q-old', 'q-new', 'q-active'];
      const paths = new Map<string, string>();
      for (const id of ids) {
        const p = await prepareWorktree(host.t, { repoPath: repo, taskId: id });
        if (!p.ok) throw new Error(p.reason);
        paths.set(id, p.path);
      }
      const at = (id: string) => paths.get(id) ?? '';
      await write(host.t, `${at('q-dirty')}/wip.txt`, 'wip\n');
      await age(host.t, at('q-active'), 400);
      await age(host.t, at('q-dirty'), 300);
      await age(host.t, at('q-old'), 200);
      await age(host.t, at('q-new'), 100);
      const du = await must(host.t, ['du', '-sk', ...ids.map(at)]);
      const kb = new Map(du.split('\n').map((l) => [l.split('\t')[1], Number(l.split('\t')[0])]));
      const size = (id: string) => (kb.get(at(id)) ?? 0) * 1024;
      // Room for everything but q-old: the dirty one must stay, the active one is not touched.
      const maxBytes = size('q-dirty') + size('q-new') + size('q-active');

      const r = await sweepWorktrees(host.t, {
        repoPath: repo,
        now: new Date(),
        ttlMs: 24 * HOUR,
        maxBytes,
        activeTaskIds: ['q-active'],
      });
      expect(r.removed).toEqual([at('q-old')]);
      expect(r.kept).toEqual([at('q-dirty')]);
      expect(r.reasons[at('q-old')]).toMatch(/^over the disk quota; removed;/);
      for (const id of ['q-dirty', 'q-new', 'q-active']) {
        expect(await exists(host.t, at(id))).toBe(true);
      }
    });

    it('has nothing to sweep in a repository without task worktrees', async () => {
      const repo = await makeRepo(host);
      const r = await sweepWorktrees(host.t, { repoPath: repo, now: new Date(), ttlMs: 0 });
      expect(r).toEqual({ removed: [], kept: [], reasons: {} });
    });

    it('gives a clear reason for a path that is not a repository', async () => {
      const plain = await host.newDir();
      const r = await prepareWorktree(host.t, { repoPath: plain, taskId: 't-1' });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(new RegExp(`^not a git repository: ${plain} \\(`));
      const missing = await prepareWorktree(host.t, { repoPath: `${plain}/nope`, taskId: 't-1' });
      expect(missing).toMatchObject({ ok: false });
      if (!missing.ok) expect(missing.reason).toContain('not a git repository');
      const repo = await makeRepo(host);
      await must(host.t, ['mkdir', `${repo}/sub`]);
      const sub = await prepareWorktree(host.t, { repoPath: `${repo}/sub`, taskId: 't-1' });
      expect(sub).toEqual({
        ok: false,
        reason: `not the top level of a git repository: ${repo}/sub`,
      });
      const cleanup = await cleanupWorktree(host.t, {
        repoPath: plain,
        taskId: 't-1',
        outcome: 'succeeded',
      });
      expect(cleanup.removed).toBe(false);
      expect(cleanup.reason).toContain('not a git repository');
    });
  });
}

worktreeSuite('local', async () => {
  const base = makeTempDir('switchboard-worktrees-');
  const home = makeTempDir('switchboard-home-');
  const t = createLocalTransport({ baseEnv: { PATH: '/usr/bin:/bin', HOME: home } });
  let n = 0;
  const host: Host = {
    t,
    async newDir() {
      const dir = `${base}/d${++n}`;
      await must(t, ['mkdir', dir]);
      return dir;
    },
  };
  return {
    host,
    async stop() {
      await t.close();
      rmSync(base, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
});

worktreeSuite('ssh', async () => {
  const sshd: Sshd = await startSshd({ maxSessions: 10 });
  const t = createSshTransport({
    name: 'worktree-host',
    address: sshd.host,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.clientPrivateKey,
    hostKey: { kind: 'pinned', fingerprint: sshd.hostKeySha256 },
    maxSessions: 10,
  });
  let n = 0;
  const host: Host = {
    t,
    async newDir() {
      // Created over SSH as the login user: the repositories belong to it, as on a real host.
      const dir = `${sshd.userDir}/d${++n}`;
      await must(t, ['mkdir', dir]);
      return dir;
    },
  };
  return {
    host,
    async stop() {
      await t.close();
      await sshd.stop();
    },
  };
});

describe('worktree inputs', () => {
  const hostile = [...INJECTIONS, '../../etc', 'a/b', '.', '..', '-x', 'x'.repeat(200)];

  /** A transport that records calls: a refused input must not reach the host at all. */
  const recorder = () => {
    const calls: ExecRequest[] = [];
    const t: Transport = {
      exec: (req) => {
        calls.push(req);
        throw new Error('no command expected');
      },
      close: async () => {},
    };
    return { t, calls };
  };

  it('refuses hostile task ids before running anything', async () => {
    const { t, calls } = recorder();
    for (const taskId of hostile) {
      expect(() => worktreePath('/srv/repo', taskId), JSON.stringify(taskId)).toThrow(/task id/);
      const p = await prepareWorktree(t, { repoPath: '/srv/repo', taskId });
      expect(p).toMatchObject({ ok: false, reason: expect.stringMatching(/task id/) });
      const c = await cleanupWorktree(t, { repoPath: '/srv/repo', taskId, outcome: 'succeeded' });
      expect(c).toMatchObject({ removed: false, reason: expect.stringMatching(/task id/) });
    }
    expect(calls).toEqual([]);
  });

  it('refuses relative repository paths and option-like base refs', async () => {
    const { t, calls } = recorder();
    expect(() => worktreePath('srv/repo', 't-1')).toThrow(/absolute/);
    expect(() => worktreePath('/srv/re\npo', 't-1')).toThrow(/absolute/);
    await expect(
      sweepWorktrees(t, { repoPath: 'repo', now: new Date(), ttlMs: 1 }),
    ).rejects.toThrow(/absolute/);
    for (const baseRef of ['--force', '-b', 'main branch', '']) {
      const p = await prepareWorktree(t, { repoPath: '/srv/repo', taskId: 't-1', baseRef });
      expect(p).toMatchObject({ ok: false, reason: expect.stringMatching(/not a git revision/) });
    }
    expect(calls).toEqual([]);
    expect(worktreePath('/srv/repo/', '0b7c4f2e-9a1d-4c3b-8e5f-6a7b8c9d0e1f')).toBe(
      '/srv/repo/.switchboard/worktrees/0b7c4f2e-9a1d-4c3b-8e5f-6a7b8c9d0e1f',
    );
  });

  it('says when git is not installed on the host', async () => {
    const empty = makeTempDir('switchboard-nogit-');
    const t = createLocalTransport({ baseEnv: { PATH: empty, HOME: empty } });
    try {
      const p = await prepareWorktree(t, { repoPath: empty, taskId: 't-1' });
      expect(p).toEqual({ ok: false, reason: 'git is not installed on the host' });
    } finally {
      await t.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
