// Per-task git worktrees on a host: created before a task runs, removed by policy afterwards.
// Every step is one argv command through a Transport, so local hosts and SSH hosts behave the
// same; nothing here ever deletes a worktree that git says holds uncommitted work.
import { posix } from 'node:path';
import type { TaskStatus } from '../core/task.js';
import type { ExecResult, Transport } from './transport.js';

// Letters, digits and dashes (a uuid fits); no leading dash, so it never reads as an option.
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const MAX_TASK_ID = 128;
// A newline would break git's line-based porcelain output; no real repo path has one.
const hasControlChars = (s: string) =>
  [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const WORKTREES_DIR = '.switchboard/worktrees';
const BRANCH_PREFIX = 'switchboard/';
const DEFAULT_TIMEOUT_MS = 60_000;
// Git's messages end up in reasons and logs: one fixed language, and never a credential prompt.
const GIT_ENV = { LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };

/** The task's branch: `switchboard/<taskId>`. */
export function worktreeBranch(taskId: string): string {
  checkTaskId(taskId);
  return `${BRANCH_PREFIX}${taskId}`;
}

/** `<repoPath>/.switchboard/worktrees/<taskId>`; throws on a relative repo path or odd id. */
export function worktreePath(repoPath: string, taskId: string): string {
  checkTaskId(taskId);
  return posix.join(worktreesDir(repoPath), taskId);
}

function worktreesDir(repoPath: string): string {
  if (!posix.isAbsolute(repoPath) || hasControlChars(repoPath)) {
    throw new Error(`not an absolute repository path: ${JSON.stringify(repoPath)}`);
  }
  return posix.join(repoPath, WORKTREES_DIR);
}

function checkTaskId(taskId: string): void {
  if (!TASK_ID.test(taskId) || taskId.length > MAX_TASK_ID) {
    throw new Error(`not a task id usable in a path: ${JSON.stringify(taskId)}`);
  }
}

// A base ref is passed to git as an argument: one starting with '-' would be read as an option.
function checkBaseRef(ref: string): void {
  if (ref === '' || ref.startsWith('-') || /\s/.test(ref) || hasControlChars(ref)) {
    throw new Error(`not a git revision: ${JSON.stringify(ref)}`);
  }
}

// --- running commands ------------------------------------------------------------------------

interface Ran {
  readonly argv: readonly string[];
  readonly ok: boolean;
  readonly stdout: string;
  readonly result: ExecResult;
}

async function run(
  t: Transport,
  argv: readonly string[],
  timeoutMs: number,
  stdin?: string,
): Promise<Ran> {
  const result = await t.exec({
    argv,
    env: GIT_ENV,
    timeoutMs,
    ...(stdin === undefined ? {} : { stdin }),
  });
  const ok = result.failure === null && result.exit.kind === 'exited' && result.exit.code === 0;
  return { argv, ok, stdout: result.stdout.text, result };
}

const exitCode = (r: Ran) => (r.result.exit.kind === 'exited' ? r.result.exit.code : null);

/** Why a command failed, in one line: the transport's reason, a missing program, or stderr. */
function why(r: Ran): string {
  const { failure, exit, stderr } = r.result;
  if (failure !== null) return `the command did not finish (${failure})`;
  if (exit.kind === 'exited' && exit.code === 127)
    return `${r.argv[0]} is not installed on the host`;
  const line = stderr.text
    .split('\n')
    .map((l) => l.replace(/^(fatal|error): /, '').trim())
    .find((l) => l !== '');
  if (line) return line;
  return exit.kind === 'exited' ? `exit code ${exit.code}` : `killed (${exit.kind})`;
}

// --- git's view of the repository ----------------------------------------------------------

interface WorktreeEntry {
  readonly path: string;
  readonly head: string | null;
  /** Full ref name (`refs/heads/…`), or null when detached or bare. */
  readonly branch: string | null;
  readonly locked: boolean;
  /** Registered, but its directory is gone. */
  readonly prunable: boolean;
}

/** Parses `git worktree list --porcelain`: blocks of `key value` lines, blank-line separated. */
function parseWorktreeList(text: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const space = line.indexOf(' ');
      const key = space === -1 ? line : line.slice(0, space);
      if (key !== '' && !fields.has(key))
        fields.set(key, space === -1 ? '' : line.slice(space + 1));
    }
    const path = fields.get('worktree');
    if (!path) continue;
    entries.push({
      path,
      head: fields.get('HEAD') ?? null,
      branch: fields.get('branch') ?? null,
      locked: fields.has('locked'),
      prunable: fields.has('prunable'),
    });
  }
  return entries;
}

/**
 * The task's registered worktree. Git records real paths, so a repo reached through a symlink
 * is matched by the task's directory name and branch instead of the literal path.
 */
function findTaskEntry(entries: readonly WorktreeEntry[], repoPath: string, taskId: string) {
  const path = worktreePath(repoPath, taskId);
  const suffix = `/${WORKTREES_DIR}/${taskId}`;
  const branch = `refs/heads/${worktreeBranch(taskId)}`;
  return (
    entries.find((e) => e.path === path) ??
    entries.find((e) => e.path.endsWith(suffix) && e.branch === branch)
  );
}

interface Failed {
  readonly ok: false;
  readonly reason: string;
}

type Listing = { ok: true; entries: WorktreeEntry[] } | Failed;

const fail = (reason: string): Failed => ({ ok: false, reason });

/**
 * Checks that repoPath is the top of a git repository (or a bare one) and lists its worktrees.
 * A directory inside someone else's repository is refused: its worktrees would land there.
 */
async function listWorktrees(t: Transport, repoPath: string, timeoutMs: number): Promise<Listing> {
  const probe = await run(
    t,
    ['git', '-C', repoPath, 'rev-parse', '--is-bare-repository', '--is-inside-git-dir'],
    timeoutMs,
  );
  if (!probe.ok) {
    const reason = why(probe);
    if (exitCode(probe) === 128) return fail(`not a git repository: ${repoPath} (${reason})`);
    return fail(reason);
  }
  const [bare, insideGitDir] = probe.stdout.split('\n').map((l) => l.trim());
  if (bare !== 'true') {
    const prefix = await run(t, ['git', '-C', repoPath, 'rev-parse', '--show-prefix'], timeoutMs);
    if (!prefix.ok) return fail(why(prefix));
    if (insideGitDir === 'true' || prefix.stdout.trim() !== '') {
      return fail(`not the top level of a git repository: ${repoPath}`);
    }
  }
  const list = await run(t, ['git', '-C', repoPath, 'worktree', 'list', '--porcelain'], timeoutMs);
  if (!list.ok) return fail(why(list));
  return { ok: true, entries: parseWorktreeList(list.stdout) };
}

// --- prepare -------------------------------------------------------------------------------

export interface PrepareWorktreeOptions {
  /** Absolute path of the repository on the host. */
  readonly repoPath: string;
  readonly taskId: string;
  /** The commit the task starts from; default HEAD of the repository. */
  readonly baseRef?: string | undefined;
  /** Per git command; default 60 s. */
  readonly timeoutMs?: number | undefined;
}

export type PrepareWorktreeResult =
  | {
      readonly ok: true;
      readonly path: string;
      readonly branch: string;
      /** The task already had this worktree (a retried attempt): it is used as it is. */
      readonly reused: boolean;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * `git worktree add -b switchboard/<taskId> <path> <base>` in the repository on the host.
 * Idempotent per task: an existing worktree is reused, and an existing task branch (an earlier
 * attempt's worktree was removed) is checked out again rather than recreated from the base.
 */
export async function prepareWorktree(
  t: Transport,
  options: PrepareWorktreeOptions,
): Promise<PrepareWorktreeResult> {
  const { repoPath, taskId } = options;
  const base = options.baseRef ?? 'HEAD';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let path: string;
  let branch: string;
  try {
    path = worktreePath(repoPath, taskId);
    branch = worktreeBranch(taskId);
    checkBaseRef(base);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const listing = await listWorktrees(t, repoPath, timeoutMs);
  if (!listing.ok) return listing;
  const existing = findTaskEntry(listing.entries, repoPath, taskId);
  if (existing && !existing.prunable) return { ok: true, path, branch, reused: true };
  if (existing) {
    // Registered but its directory is gone: drop the stale record so `add` can run again.
    const stale = await run(
      t,
      ['git', '-C', repoPath, 'worktree', 'remove', existing.path],
      timeoutMs,
    );
    if (!stale.ok) return { ok: false, reason: `stale worktree record: ${why(stale)}` };
  }
  const added = await addWorktree(t, { repoPath, path, branch, base, timeoutMs });
  if (!added.ok) return added;
  await ignoreWorktreesDir(t, repoPath, timeoutMs);
  return { ok: true, path, branch, reused: false };
}

interface AddArgs {
  readonly repoPath: string;
  readonly path: string;
  readonly branch: string;
  readonly base: string;
  readonly timeoutMs: number;
}

async function addWorktree(t: Transport, a: AddArgs): Promise<{ ok: true } | Failed> {
  const git = ['git', '-C', a.repoPath];
  const hasBranch = await run(
    t,
    [...git, 'show-ref', '--verify', '--quiet', `refs/heads/${a.branch}`],
    a.timeoutMs,
  );
  if (hasBranch.result.failure !== null) return { ok: false, reason: why(hasBranch) };
  if (hasBranch.ok) {
    const add = await run(t, [...git, 'worktree', 'add', a.path, a.branch], a.timeoutMs);
    return add.ok ? { ok: true } : { ok: false, reason: `git worktree add: ${why(add)}` };
  }
  // Resolve first: "no such revision" is a clearer reason than git worktree add's message.
  const commit = await run(
    t,
    [...git, 'rev-parse', '--verify', '--quiet', `${a.base}^{commit}`],
    a.timeoutMs,
  );
  const sha = commit.stdout.trim();
  if (!commit.ok || !/^[0-9a-f]{40,64}$/.test(sha)) {
    if (commit.result.failure !== null) return { ok: false, reason: why(commit) };
    return { ok: false, reason: `base ${a.base} does not name a commit in ${a.repoPath}` };
  }
  const add = await run(t, [...git, 'worktree', 'add', '-b', a.branch, a.path, sha], a.timeoutMs);
  return add.ok ? { ok: true } : { ok: false, reason: `git worktree add: ${why(add)}` };
}

/**
 * The worktrees live inside the repository's own working tree; a `*` .gitignore at the top of
 * .switchboard keeps them out of the user's `git status` without touching any of their files.
 */
async function ignoreWorktreesDir(t: Transport, repoPath: string, timeoutMs: number) {
  const file = posix.join(repoPath, '.switchboard', '.gitignore');
  const exists = await run(t, ['test', '-e', file], timeoutMs);
  if (exitCode(exists) === 1) await run(t, ['tee', file], timeoutMs, '*\n');
}

// --- cleanup -------------------------------------------------------------------------------

export interface CleanupWorktreeOptions {
  readonly repoPath: string;
  readonly taskId: string;
  /** How the task ended: only a success lets its worktree go. */
  readonly outcome: TaskStatus;
  readonly timeoutMs?: number | undefined;
}

export interface CleanupResult {
  readonly removed: boolean;
  readonly reason: string;
  /** The task branch was deleted (it was fully merged into HEAD). */
  readonly branchDeleted: boolean;
}

/**
 * The policy after a task: a failed (or cancelled, timed out, lost…) task keeps its worktree
 * for inspection; a successful one is removed only when git sees no uncommitted changes, and
 * its branch goes only when fully merged.
 */
export async function cleanupWorktree(
  t: Transport,
  options: CleanupWorktreeOptions,
): Promise<CleanupResult> {
  const { repoPath, taskId, outcome } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    worktreePath(repoPath, taskId);
  } catch (e) {
    return kept((e as Error).message);
  }
  if (outcome !== 'succeeded') return kept(`kept for inspection (task ${outcome})`);
  const listing = await listWorktrees(t, repoPath, timeoutMs);
  if (!listing.ok) return kept(listing.reason);
  const entry = findTaskEntry(listing.entries, repoPath, taskId);
  if (!entry) return kept('no worktree for this task');
  return removeWorktree(t, repoPath, taskId, entry, timeoutMs);
}

const kept = (reason: string): CleanupResult => ({ removed: false, reason, branchDeleted: false });

/** Removes one task worktree if nothing would be lost; `git worktree remove` without --force. */
async function removeWorktree(
  t: Transport,
  repoPath: string,
  taskId: string,
  entry: WorktreeEntry,
  timeoutMs: number,
): Promise<CleanupResult> {
  if (entry.locked) return kept('kept: the worktree is locked');
  if (!entry.prunable) {
    const unsafe = await uncommittedWork(t, repoPath, entry, timeoutMs);
    if (unsafe !== null) return kept(unsafe);
  }
  const removed = await run(
    t,
    ['git', '-C', repoPath, 'worktree', 'remove', entry.path],
    timeoutMs,
  );
  if (!removed.ok) return kept(`kept: git worktree remove refused (${why(removed)})`);
  const branch = await deleteBranchIfMerged(t, repoPath, worktreeBranch(taskId), timeoutMs);
  return { removed: true, reason: `removed; ${branch.note}`, branchDeleted: branch.deleted };
}

/**
 * Why removing the worktree would lose work, or null when it would not: modified or untracked
 * files, or commits on a detached HEAD that no ref contains (the worktree's reflog goes with it).
 */
async function uncommittedWork(
  t: Transport,
  repoPath: string,
  entry: WorktreeEntry,
  timeoutMs: number,
): Promise<string | null> {
  const status = await run(t, ['git', '-C', entry.path, 'status', '--porcelain'], timeoutMs);
  if (!status.ok) return `kept: could not check for uncommitted changes (${why(status)})`;
  if (status.result.stdout.totalBytes > 0) {
    const n = status.stdout.split('\n').filter((l) => l.trim() !== '').length;
    return `kept: ${n} uncommitted change${n === 1 ? '' : 's'} in the worktree`;
  }
  if (entry.branch !== null || entry.head === null) return null;
  const refs = await run(
    t,
    [
      'git',
      '-C',
      repoPath,
      'for-each-ref',
      '--count=1',
      '--format=%(refname)',
      '--contains',
      entry.head,
    ],
    timeoutMs,
  );
  if (!refs.ok) return `kept: could not check the detached HEAD (${why(refs)})`;
  return refs.stdout.trim() === '' ? 'kept: detached HEAD has commits on no branch' : null;
}

/** `git branch -d` only after checking the branch is merged, so the reason can say why not. */
async function deleteBranchIfMerged(
  t: Transport,
  repoPath: string,
  branch: string,
  timeoutMs: number,
): Promise<{ deleted: boolean; note: string }> {
  const git = ['git', '-C', repoPath];
  const ref = `refs/heads/${branch}`;
  const exists = await run(t, [...git, 'show-ref', '--verify', '--quiet', ref], timeoutMs);
  if (!exists.ok) return { deleted: false, note: `branch ${branch} not found` };
  const merged = await run(t, [...git, 'merge-base', '--is-ancestor', ref, 'HEAD'], timeoutMs);
  if (exitCode(merged) === 1) {
    return { deleted: false, note: `branch ${branch} kept: it has commits not in HEAD` };
  }
  if (!merged.ok) return { deleted: false, note: `branch ${branch} kept (${why(merged)})` };
  const deleted = await run(t, [...git, 'branch', '-d', branch], timeoutMs);
  if (!deleted.ok) return { deleted: false, note: `branch ${branch} kept (${why(deleted)})` };
  return { deleted: true, note: `branch ${branch} deleted (fully merged)` };
}

// --- sweep ---------------------------------------------------------------------------------

export interface SweepWorktreesOptions {
  readonly repoPath: string;
  readonly now: Date;
  /** Worktrees whose directory is older than this are removed (when clean). */
  readonly ttlMs: number;
  /** Disk quota for all task worktrees of the repo: oldest clean ones go first until under. */
  readonly maxBytes?: number | undefined;
  /** Tasks still running here: their worktrees are never touched, whatever their age. */
  readonly activeTaskIds?: readonly string[] | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface SweepResult {
  /** Paths of the worktrees removed. */
  readonly removed: string[];
  /** Paths of worktrees due for removal (expired or over quota) that had to stay. */
  readonly kept: string[];
  /** Why, for every path in `removed` and `kept`. */
  readonly reasons: Record<string, string>;
}

interface DirEntry {
  readonly path: string;
  readonly taskId: string;
  readonly mtimeMs: number;
}

/**
 * TTL and disk-quota cleanup of `.switchboard/worktrees`. A worktree with uncommitted changes,
 * a locked one, or a directory git does not know as a worktree is reported as kept, never
 * deleted. Throws when the repository or the directory cannot be read at all.
 */
export async function sweepWorktrees(
  t: Transport,
  options: SweepWorktreesOptions,
): Promise<SweepResult> {
  const { repoPath } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result: SweepResult = { removed: [], kept: [], reasons: {} };
  const dirs = await listDirs(t, worktreesDir(repoPath), timeoutMs);
  if (dirs.length === 0) return result;
  const listing = await listWorktrees(t, repoPath, timeoutMs);
  if (!listing.ok) throw new Error(`cannot sweep worktrees of ${repoPath}: ${listing.reason}`);
  const active = new Set(options.activeTaskIds ?? []);
  const candidates = dirs
    .filter((d) => !active.has(d.taskId))
    .sort((a, b) => a.mtimeMs - b.mtimeMs);

  const sweepOne = async (dir: DirEntry, cause: string) => {
    const entry = findTaskEntry(listing.entries, repoPath, dir.taskId);
    const outcome = entry
      ? await removeWorktree(t, repoPath, dir.taskId, entry, timeoutMs)
      : kept('kept: not a registered worktree of this repository');
    (outcome.removed ? result.removed : result.kept).push(dir.path);
    result.reasons[dir.path] = outcome.removed ? `${cause}; ${outcome.reason}` : outcome.reason;
    return outcome.removed;
  };

  const cutoff = options.now.getTime() - options.ttlMs;
  for (const dir of candidates) {
    if (dir.mtimeMs < cutoff) await sweepOne(dir, 'expired');
  }
  if (options.maxBytes === undefined) return result;

  const remaining = dirs.filter((d) => !result.removed.includes(d.path));
  const sizes = await diskUsage(t, remaining, timeoutMs);
  let total = [...sizes.values()].reduce((a, b) => a + b, 0);
  for (const dir of candidates) {
    if (total <= options.maxBytes) break;
    if (result.removed.includes(dir.path) || result.kept.includes(dir.path)) continue;
    if (await sweepOne(dir, 'over the disk quota')) total -= sizes.get(dir.path) ?? 0;
  }
  return result;
}

/**
 * The task directories under `dir` with their mtime, via GNU find's -printf. Names that are not
 * task ids are not ours and are left out. A missing directory means there is nothing to sweep.
 */
async function listDirs(t: Transport, dir: string, timeoutMs: number): Promise<DirEntry[]> {
  const isDir = await run(t, ['test', '-d', dir], timeoutMs);
  if (exitCode(isDir) === 1) return [];
  if (!isDir.ok) throw new Error(`cannot read ${dir}: ${why(isDir)}`);
  const found = await run(
    t,
    ['find', dir, '-mindepth', '1', '-maxdepth', '1', '-type', 'd', '-printf', '%T@ %p\\n'],
    timeoutMs,
  );
  if (!found.ok) throw new Error(`cannot list ${dir}: ${why(found)}`);
  const entries: DirEntry[] = [];
  for (const line of found.stdout.split('\n')) {
    const match = /^(\d+(?:\.\d+)?) (\/.+)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const taskId = posix.basename(match[2]);
    if (!TASK_ID.test(taskId) || taskId.length > MAX_TASK_ID) continue;
    entries.push({ path: match[2], taskId, mtimeMs: Number(match[1]) * 1000 });
  }
  return entries;
}

/** Bytes per directory from `du -sk`; a directory du could not measure counts as 0. */
async function diskUsage(t: Transport, dirs: readonly DirEntry[], timeoutMs: number) {
  const sizes = new Map<string, number>();
  if (dirs.length === 0) return sizes;
  const du = await run(t, ['du', '-sk', '--', ...dirs.map((d) => d.path)], timeoutMs);
  // du exits 1 when one path vanished mid-way; the others are still listed.
  if (du.result.failure !== null) throw new Error(`cannot measure worktrees: ${why(du)}`);
  for (const line of du.stdout.split('\n')) {
    const match = /^(\d+)\t(.+)$/.exec(line);
    if (match?.[1] && match[2]) sizes.set(match[2], Number(match[1]) * 1024);
  }
  return sizes;
}

// --- changes -------------------------------------------------------------------------------

/** The commit a worktree is at (before an attempt runs), or null when git cannot say. */
export async function worktreeHead(
  t: Transport,
  path: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string | null> {
  const head = await run(t, ['git', '-C', path, 'rev-parse', '--verify', 'HEAD'], timeoutMs);
  const sha = head.stdout.trim();
  return head.ok && /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
}

export interface WorktreeChangesOptions {
  readonly path: string;
  /** The commit the attempt started from (worktreeHead before it ran). */
  readonly base: string;
  /** Characters kept (head first; a marker says how much was dropped). */
  readonly maxChars: number;
  readonly timeoutMs?: number | undefined;
}

/**
 * `git diff` of everything an attempt changed in its worktree since `base`: commits, edits and
 * new files alike, staged or not. New files only show once added, so the tree is staged into a
 * scratch index (GIT_INDEX_FILE in the worktree's own git dir): the agent's index and files
 * are left exactly as they were. Null when git could not produce it.
 */
export async function worktreeChanges(
  t: Transport,
  o: WorktreeChangesOptions,
): Promise<string | null> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkBaseRef(o.base);
  const gitDir = await run(t, ['git', '-C', o.path, 'rev-parse', '--absolute-git-dir'], timeoutMs);
  const dir = gitDir.stdout.trim();
  if (!gitDir.ok || !posix.isAbsolute(dir) || hasControlChars(dir)) return null;
  const index = posix.join(dir, 'switchboard-changes.index');
  const git = async (args: readonly string[]) => {
    const result = await t.exec({
      argv: ['git', '-C', o.path, ...args],
      env: { ...GIT_ENV, GIT_INDEX_FILE: index },
      timeoutMs,
    });
    const ok = result.failure === null && result.exit.kind === 'exited' && result.exit.code === 0;
    return ok ? result.stdout : null;
  };
  try {
    if ((await git(['read-tree', 'HEAD'])) === null) return null;
    if ((await git(['add', '-A', '--', '.'])) === null) return null;
    const diff = await git(['diff', '--cached', '--no-color', '--no-ext-diff', o.base, '--']);
    if (diff === null) return null;
    if (diff.text.length <= o.maxChars && !diff.truncated) return diff.text;
    const marker = `\n… [diff cut: ${diff.totalBytes} bytes in all]\n`;
    const keep = diff.text.slice(0, Math.max(0, o.maxChars - marker.length));
    return keep.slice(0, keep.lastIndexOf('\n') + 1) + marker;
  } finally {
    await run(t, ['rm', '-f', '--', index], timeoutMs);
  }
}
