import { execFileSync } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';
import type { Claim } from '../../src/core/ports/job-queue.js';
import { openStage, type StageResult } from '../../src/core/stage.js';
import { SHELL_PROFILE } from '../../src/runner/executors/registry.js';
import { createLocalTransport } from '../../src/runner/local-transport.js';
import { createRunner } from '../../src/runner/runner.js';
import type { WorkSource } from '../../src/runner/work-source.js';
import { prepareWorktree, worktreePath } from '../../src/runner/worktrees.js';
import { aTask } from '../helpers/builders.js';
import { makeTempDir } from '../helpers/temp-db.js';

const transport = createLocalTransport({
  baseEnv: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: '/tmp' },
});

/** A work source that hands out one task and records what the runner says about it. */
function scriptedWork(argv: string[], opts: { heartbeatAlive?: boolean; leaseS?: number } = {}) {
  const task = aTask({
    id: 't-1',
    status: 'running',
    argv,
    fencingToken: 1,
    attempts: 1,
    timeoutS: 30,
  });
  const claim: Claim = {
    task,
    stage: openStage({ id: 's-1', task, runnerId: 'r', startedAt: task.createdAt }),
    lease: { taskId: task.id, runnerId: 'r', fencingToken: 1, expiresAt: task.createdAt },
  };
  let handedOut = false;
  const seen = {
    progress: [] as string[],
    completed: [] as { outcome: string; result: StageResult }[],
    heartbeats: 0,
  };
  const work: WorkSource = {
    leaseS: opts.leaseS ?? 3,
    async claim() {
      if (handedOut) return null;
      handedOut = true;
      return claim;
    },
    async heartbeat() {
      seen.heartbeats++;
      return opts.heartbeatAlive ?? true;
    },
    async progress(_id, _token, tail) {
      seen.progress.push(tail);
      return true;
    },
    async complete(_id, _token, outcome, result) {
      seen.completed.push({ outcome, result });
      return true;
    },
  };
  return { work, seen };
}

const runnerFor = (work: WorkSource, options: Partial<Parameters<typeof createRunner>[1]> = {}) =>
  createRunner(
    {
      work,
      log: SILENT_LOGGER,
      transportFor: () => transport,
      profileFor: () => SHELL_PROFILE,
      repoPath: () => null,
    },
    { spoolDir: makeTempDir(), pollMs: 50, ...options },
  );

async function until(check: () => boolean, ms = 15_000) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25)))
    if (check()) return;
  throw new Error('condition not met in time');
}

describe('runner loop', () => {
  it('streams live output while a task runs, then reports the result once', async () => {
    const { work, seen } = scriptedWork([
      'sh',
      '-c',
      'for i in 1 2 3; do echo line $i; sleep 1; done',
    ]);
    const runner = runnerFor(work);
    runner.start();
    await until(() => seen.completed.length === 1);
    await runner.stop();
    expect(seen.completed[0]?.outcome).toBe('succeeded');
    expect(seen.completed[0]?.result.stdoutTail).toBe('line 1\nline 2\nline 3\n');
    expect(seen.progress.length).toBeGreaterThanOrEqual(1);
    expect(seen.progress[0]).toMatch(/^line 1\n/);
  });

  it('kills the work and reports nothing when a heartbeat says the lease is gone', async () => {
    const { work, seen } = scriptedWork(['sh', '-c', 'sleep 600'], {
      heartbeatAlive: false,
      leaseS: 3,
    });
    const runner = runnerFor(work);
    runner.start();
    await until(() => seen.heartbeats >= 1);
    await runner.stop();
    expect(seen.completed).toEqual([]);
  });

  it('ignores a late event that still says the task it runs is queued, and stops on a move of its claim', async () => {
    const { work, seen } = scriptedWork(['sh', '-c', 'sleep 1; echo done']);
    const runner = runnerFor(work);
    runner.start();
    await new Promise((r) => setTimeout(r, 200));
    // The "queued" of its creation, delivered after the claim (fencing token 0, not the claim's 1).
    runner.taskChanged(aTask({ id: 't-1', status: 'queued', fencingToken: 0 }));
    await until(() => seen.completed.length === 1);
    expect(seen.completed[0]?.outcome).toBe('succeeded');
    await runner.stop();

    const cancelled = scriptedWork(['sh', '-c', 'sleep 600']);
    const second = runnerFor(cancelled.work);
    second.start();
    await new Promise((r) => setTimeout(r, 200));
    second.taskChanged(aTask({ id: 't-1', status: 'cancelled', fencingToken: 1 }));
    // Not the stop below: the cancel alone ends it (a stop would report runner_stopped).
    await new Promise((r) => setTimeout(r, 1_000));
    await second.stop();
    // Killed at once, and nothing reported: the cancel already ended the task.
    expect(cancelled.seen.completed).toEqual([]);
  });
});

describe('runner slots', () => {
  it('runs at most `concurrency` tasks on hosts at once, and claims the next while a report is on its way', async () => {
    const total = 6;
    let claimed = 0;
    let reportsCalled = 0;
    let worstExecuting = 0;
    const reports: (() => void)[] = [];
    const work: WorkSource = {
      leaseS: 30,
      async claim() {
        if (claimed === total) return null;
        // Runs whose report has not been asked for are still on the host.
        worstExecuting = Math.max(worstExecuting, claimed - reportsCalled + 1);
        const task = aTask({
          id: `t-${++claimed}`,
          status: 'running',
          argv: ['sh', '-c', 'sleep 0.2'],
          fencingToken: 1,
          attempts: 1,
          timeoutS: 30,
        });
        const stage = openStage({
          id: `s-${claimed}`,
          task,
          runnerId: 'r',
          startedAt: task.createdAt,
        });
        return {
          task,
          stage,
          lease: { taskId: task.id, runnerId: 'r', fencingToken: 1, expiresAt: task.createdAt },
        };
      },
      heartbeat: async () => true,
      progress: async () => true,
      // Reports land only when the test lets them: a slow database.
      complete: () => {
        reportsCalled++;
        return new Promise<boolean>((resolve) => reports.push(() => resolve(true)));
      },
    };
    const runner = runnerFor(work, { concurrency: 2 });
    runner.start();
    // Two run, report, and two more are claimed while those reports wait; then the backlog
    // bound (as many reporting as running) stops further claims.
    await until(() => reportsCalled === 4);
    await new Promise((r) => setTimeout(r, 300));
    expect(claimed).toBe(4);
    while (reportsCalled < total || reports.length > 0) {
      reports.splice(0).forEach((land) => land());
      await new Promise((r) => setTimeout(r, 20));
    }
    await runner.stop();
    expect(claimed).toBe(total);
    expect(worstExecuting).toBe(2);
  });
});

describe('runner worktree sweep', () => {
  it('removes clean task worktrees past their TTL and keeps young ones', async () => {
    const repo = makeTempDir();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: repo,
      });
    writeFileSync(join(repo, 'README.md'), '# r\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
    for (const id of ['old-1', 'young-1']) {
      const prepared = await prepareWorktree(transport, { repoPath: repo, taskId: id });
      expect(prepared.ok).toBe(true);
    }
    const old = worktreePath(repo, 'old-1');
    const tenDaysAgo = new Date(Date.now() - 10 * 24 * 3_600_000);
    utimesSync(old, tenDaysAgo, tenDaysAgo);
    const { work } = scriptedWork(['true']);
    const runner = createRunner(
      {
        work,
        log: SILENT_LOGGER,
        transportFor: () => transport,
        profileFor: () => SHELL_PROFILE,
        repoPath: () => null,
        repos: () => [{ host: 'local', path: repo }],
      },
      {
        spoolDir: makeTempDir(),
        pollMs: 50,
        worktreeSweep: { everyMs: 100, ttlMs: 7 * 24 * 3_600_000, maxBytes: null },
      },
    );
    runner.start();
    await until(() => !existsSync(old));
    await runner.stop();
    expect(existsSync(worktreePath(repo, 'young-1'))).toBe(true);
  });
});
