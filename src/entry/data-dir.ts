import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';

/** An expected start-up failure: printed as one line, exit code 1, nothing damaged. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** What Switchboard keeps in its data dir (the data dir may hold other things: left alone). */
const OWN_FILES = new Set([
  'switchboard.db',
  'switchboard.db-wal',
  'switchboard.db-shm',
  'switchboard.db-journal',
  'switchboard.lock',
  'admin-token',
  'vapid-keys.json',
]);
const OWN_DIRS = new Set(['output']);

/**
 * The data dir holds the database, keys and task output: only its owner may enter it. mkdir's
 * mode applies only when it creates the dir, so an existing one (and what an older version
 * left in it with the umask's modes) is tightened on every start.
 */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && OWN_FILES.has(entry.name)) chmodSync(join(dir, entry.name), 0o600);
      if (entry.isDirectory() && OWN_DIRS.has(entry.name)) chmodSync(join(dir, entry.name), 0o700);
    }
  } catch (cause) {
    throw new StartupError(
      `data dir ${dir} is not writable (${(cause as NodeJS.ErrnoException).code ?? cause})`,
    );
  }
}

/**
 * A local database file is made 0600 before SQLite opens it: SQLite gives its -wal and -shm
 * files the database file's mode, while a file it creates itself gets the umask's (often 0644).
 */
export function privateDatabaseFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One `switchboard start` per data dir. The lock file holds the owner's pid; a lock left by a
 * process that no longer exists is taken over, a live one is refused and left untouched.
 */
export function acquireDataDirLock(dir: string): { release(): void } {
  const path = join(dir, 'switchboard.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
          if (owner === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new StartupError(
          `another switchboard (pid ${owner}) is already using data dir ${dir}`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new StartupError(`could not lock data dir ${dir}`);
}

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The admin token: from the environment if set, else from the data dir, else a new one is
 * generated and written there (mode 0600). `created` tells the caller to show it once.
 */
export function loadOrCreateAdminToken(
  dir: string,
  fromEnv: string | null,
): { token: string; created: boolean; file: string | null } {
  if (fromEnv) return { token: fromEnv, created: false, file: null };
  const file = join(dir, ADMIN_TOKEN_FILE);
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, created: false, file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = `sb_${randomBytes(32).toString('base64url')}`;
  const fd = openSync(file, 'w', 0o600);
  writeSync(fd, `${token}\n`);
  closeSync(fd);
  return { token, created: true, file };
}
