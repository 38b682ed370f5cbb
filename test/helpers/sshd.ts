// A real OpenSSH server on 127.0.0.1 for the SSH runner's integration tests.
//
// Each startSshd() call is one self-contained instance: its own temp dir, host key, client key,
// authorized_keys file, sshd_config, port and log. Nothing is shared between instances except
// the unprivileged login user (created once, idempotently, by whichever process gets there
// first), so test files running in parallel vitest forks do not interfere with each other.
// Needs root (it creates that user and runs sshd with privilege separation) and the Debian
// package openssh-server, which scripts/test-setup.js installs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const RUNUSER = '/usr/sbin/runuser';
const HOST = '127.0.0.1';
const DEFAULT_USER = 'sbtest';
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SshdOptions {
  /** sshd's MaxSessions: channels (exec/shell) multiplexed on one connection. Default 10. */
  readonly maxSessions?: number;
  /** sshd's MaxStartups (unauthenticated connections). Default '100:30:200'. */
  readonly maxStartups?: string;
  /** The login user, created if missing. Default 'sbtest'. */
  readonly user?: string;
  /**
   * Extra sshd_config lines. They go first, so they override the defaults below (sshd keeps
   * the first value it reads for a keyword); for the same reason, no `Match` blocks.
   */
  readonly extraConfig?: readonly string[];
  /** How long start/restart may wait for the port to accept connections. Default 15 s. */
  readonly startTimeoutMs?: number;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code, or null when the command was killed by a signal (e.g. on timeout). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StopListenerOptions {
  /**
   * Leave the per-connection processes running (like `systemctl restart ssh`: sessions
   * survive). Default false: the whole process tree goes, as when the host's sshd dies.
   */
  readonly keepSessions?: boolean;
}

export interface Sshd {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The login user's home directory (shared by all instances: prefer `userDir`). */
  readonly userHome: string;
  /** A scratch dir owned by the login user, private to this instance. */
  readonly userDir: string;
  /** The client's private key file (OpenSSH format, no passphrase, mode 600, owned by root). */
  readonly clientKeyPath: string;
  readonly clientPrivateKey: string;
  /** The client's public key line, as written into this instance's authorized_keys. */
  readonly clientPublicKey: string;
  /** The host key's fingerprint as OpenSSH prints it: `SHA256:` + unpadded base64. */
  readonly hostKeySha256: string;
  /** The host key's .pub line (`ssh-ed25519 AAAA… comment`). */
  readonly hostPublicKey: string;
  /** A known_hosts line for this host and port: `[127.0.0.1]:PORT ssh-ed25519 AAAA…`. */
  readonly knownHostsLine: string;
  readonly dir: string;
  /** sshd's own log (-e, LogLevel VERBOSE), appended to across restarts. */
  readonly logPath: string;
  /** The listener's pid while it runs (undefined between stopListener and startListener). */
  readonly pid: number | undefined;
  log(): string;
  /** The listener and all its descendants (per-connection sshd and the user's commands). */
  pids(): number[];
  /** Runs `sh -c command` as the login user on the host side, without SSH. */
  run(command: string, options?: { readonly timeoutMs?: number }): Promise<RunResult>;
  /** Stops the listener (and by default every session); the instance can `startListener()`. */
  stopListener(options?: StopListenerOptions): Promise<void>;
  /** Starts the listener again on the same port with the same keys. */
  startListener(): Promise<void>;
  /** stopListener() then startListener(): 'sshd went away mid-task', then recovery. */
  restart(options?: StopListenerOptions): Promise<void>;
  /** Replaces the host key (new fingerprint, new known_hosts line) and restarts. */
  rotateHostKey(): Promise<void>;
  /** Kills everything this instance started and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a private sshd on 127.0.0.1 and waits until it accepts connections. */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (process.getuid?.() !== 0) {
    throw new Error('startSshd needs root: it creates a login user and runs sshd (privsep).');
  }
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: run \`node scripts/test-setup.js\` (installs it).`);
  }
  const account = await ensureUser(options.user ?? DEFAULT_USER);
  const instance = new SshdInstance(account, options);
  live.add(instance);
  try {
    await instance.init();
    return instance;
  } catch (error) {
    await instance.stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------

interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

interface Listener {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

class SshdInstance implements Sshd {
  readonly host = HOST;
  readonly dir: string;
  readonly logPath: string;
  readonly userDir: string;
  readonly clientKeyPath: string;
  clientPrivateKey = '';
  clientPublicKey = '';
  hostKeySha256 = '';
  hostPublicKey = '';
  port = 0;

  private readonly hostKeyPath: string;
  private readonly configPath: string;
  private readonly authorizedKeysPath: string;
  private listener: Listener | undefined;
  private stopped = false;
  /** Sessions left running by stopListener({ keepSessions: true }), for stop() to end. */
  private readonly keptSessions: { readonly pid: number; readonly start: string }[] = [];

  constructor(
    private readonly account: Account,
    private readonly options: SshdOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'switchboard-sshd-'));
    // The login user must reach authorized_keys (sshd opens it with the user's uid) and its
    // scratch dir; 711 lets it through without listing the dir. The keys themselves stay 600.
    chmodSync(this.dir, 0o711);
    this.logPath = join(this.dir, 'sshd.log');
    this.userDir = join(this.dir, 'user');
    this.clientKeyPath = join(this.dir, 'client_ed25519');
    this.hostKeyPath = join(this.dir, 'host_ed25519_key');
    this.configPath = join(this.dir, 'sshd_config');
    this.authorizedKeysPath = join(this.dir, 'authorized_keys');
  }

  get user(): string {
    return this.account.name;
  }

  get userHome(): string {
    return this.account.home;
  }

  get pid(): number | undefined {
    return this.livePid();
  }

  get knownHostsLine(): string {
    const [type, key] = this.hostPublicKey.split(/\s+/);
    return `[${HOST}]:${this.port} ${type} ${key}`;
  }

  async init(): Promise<void> {
    mkdirSync(this.userDir, { mode: 0o700 });
    chownSync(this.userDir, this.account.uid, this.account.gid);

    await keygen(this.clientKeyPath, `switchboard-test-client@${HOST}`);
    this.clientPrivateKey = readFileSync(this.clientKeyPath, 'utf8');
    this.clientPublicKey = readFileSync(`${this.clientKeyPath}.pub`, 'utf8').trim();
    // A per-instance authorized_keys (AuthorizedKeysFile is absolute in our config), so
    // concurrent instances never rewrite each other's keys in the shared home directory.
    writeFileSync(this.authorizedKeysPath, `${this.clientPublicKey}\n`, { mode: 0o600 });
    chownSync(this.authorizedKeysPath, this.account.uid, this.account.gid);
    await this.makeHostKey();

    ensurePrivsepDir();
    // The port is picked by binding :0 and releasing it, so another process can grab it in
    // between: on "Address already in use", pick again.
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      await this.writeConfig();
      try {
        await this.launch();
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError) || attempt >= 5) throw error;
      }
    }
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  pids(): number[] {
    const root = this.livePid();
    if (root === undefined) return [];
    return [root, ...descendants(root, readProcs())];
  }

  run(command: string, options: { readonly timeoutMs?: number } = {}): Promise<RunResult> {
    const { name, home } = this.account;
    const child = spawn(RUNUSER, ['-u', name, '--', '/bin/sh', '-c', command], {
      cwd: this.userDir,
      env: { HOME: home, USER: name, LOGNAME: name, SHELL: '/bin/sh', PATH: SYSTEM_PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      // On timeout kill the whole tree, not just runuser: SIGKILLed, runuser cannot pass the
      // signal on, and `sh -c` and its children would run on. A background process may still
      // hold the pipes open, so stop waiting for them shortly after.
      let grace: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        if (child.pid !== undefined) {
          for (const pid of freezeTree(child.pid)) signal(pid, 'SIGKILL');
        }
        grace = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, 1_000);
      }, options.timeoutMs ?? 30_000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signalName) => {
        clearTimeout(timer);
        clearTimeout(grace);
        resolve({ stdout, stderr, code, signal: signalName });
      });
    });
  }

  async stopListener(options: StopListenerOptions = {}): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    const root = this.livePid();
    if (root !== undefined) {
      if (options.keepSessions) {
        // Their parent is about to become init: remember them (pid + start time) for stop().
        const procs = readProcs();
        for (const pid of descendants(root, procs)) {
          const start = procs.get(pid)?.start;
          if (start && procs.get(pid)?.ppid === root) this.keptSessions.push({ pid, start });
        }
        signal(root, 'SIGTERM');
      } else {
        // Freeze the whole tree first: once the listener dies its children are re-parented to
        // init and could no longer be told apart from anyone else's processes.
        const tree = freezeTree(root);
        await terminate(tree);
      }
    }
    const gone = await Promise.race([listener.exited.then(() => true), sleep(5_000, false)]);
    if (!gone) {
      listener.child.kill('SIGKILL');
      await listener.exited;
    }
    this.listener = undefined;
  }

  async startListener(): Promise<void> {
    if (this.stopped) throw new Error('this sshd instance was stopped for good');
    if (this.listener) return;
    // Same port: a client's reconnect must find it again. The port is free again at once
    // (sshd sets SO_REUSEADDR), unless someone else took it meanwhile: retry for a while.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.launch();
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError) || Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }

  async restart(options: StopListenerOptions = {}): Promise<void> {
    await this.stopListener(options);
    await this.startListener();
  }

  async rotateHostKey(): Promise<void> {
    await this.makeHostKey();
    await this.restart();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.stopListener();
      // Commands that detached from the session (`sleep 100 &`, nohup) left the tree before
      // the freeze; sshd put SSH_CONNECTION (…, our port) in their environment, so find those.
      const kept = this.keptSessions.filter((p) => readProc(p.pid)?.start === p.start);
      if (kept.length > 0) await terminate(freezeTree(...kept.map((p) => p.pid)));
      if (this.port !== 0) await terminate(this.orphans());
    } finally {
      live.delete(this);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Last-ditch cleanup when the test process exits without stop(): synchronous, SIGKILL. */
  killNow(): void {
    const root = this.livePid();
    if (root !== undefined) for (const pid of freezeTree(root)) signal(pid, 'SIGKILL');
    for (const { pid, start } of this.keptSessions) {
      if (readProc(pid)?.start === start) for (const p of freezeTree(pid)) signal(p, 'SIGKILL');
    }
    for (const pid of this.orphans()) signal(pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The listener's pid, only while it has not exited: a reaped pid may belong to anyone. */
  private livePid(): number | undefined {
    const child = this.listener?.child;
    return child && !isExited(child) ? child.pid : undefined;
  }

  private orphans(): number[] {
    const marker = ` ${HOST} ${this.port}\0`;
    const found: number[] = [];
    for (const pid of readProcs().keys()) {
      try {
        if (statSync(`/proc/${pid}`).uid !== this.account.uid) continue;
        const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
        const start = env.indexOf('SSH_CONNECTION=');
        if (start !== -1 && env.slice(start, env.indexOf('\0', start) + 1).endsWith(marker)) {
          found.push(pid);
        }
      } catch {
        // Exited while we looked.
      }
    }
    return found;
  }

  private async makeHostKey(): Promise<void> {
    rmSync(this.hostKeyPath, { force: true });
    rmSync(`${this.hostKeyPath}.pub`, { force: true });
    await keygen(this.hostKeyPath, `switchboard-test-host@${HOST}`);
    this.hostPublicKey = readFileSync(`${this.hostKeyPath}.pub`, 'utf8').trim();
    const { stdout } = await must(SSH_KEYGEN, [
      '-l',
      '-E',
      'sha256',
      '-f',
      `${this.hostKeyPath}.pub`,
    ]);
    // "256 SHA256:abc… comment (ED25519)"; OpenSSH already drops base64 padding, make sure.
    const fingerprint = stdout.trim().split(/\s+/)[1] ?? '';
    if (!fingerprint.startsWith('SHA256:')) throw new Error(`odd fingerprint output: ${stdout}`);
    this.hostKeySha256 = fingerprint.replace(/=+$/, '');
  }

  private async writeConfig(): Promise<void> {
    const lines = [
      '# A private sshd for one test instance (test/helpers/sshd.ts), not the system one.',
      `ListenAddress ${HOST}`,
      `Port ${this.port}`,
      `HostKey ${this.hostKeyPath}`,
      `PidFile ${join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${this.authorizedKeysPath}`,
      // StrictModes would reject authorized_keys under /tmp (world-writable parent).
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${this.account.name}`,
      `MaxSessions ${this.options.maxSessions ?? 10}`,
      `MaxStartups ${this.options.maxStartups ?? '100:30:200'}`,
      'LoginGraceTime 30',
      'ClientAliveInterval 0',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
    ];
    const config = (extra: readonly string[]) =>
      [...(this.options.extraConfig ?? []), ...lines, ...extra].join('\n') + '\n';
    writeFileSync(this.configPath, config([]), { mode: 0o644 });
    // OpenSSH 9.8+ penalises a source address for failed logins and dropped connections; the
    // tests fail logins on purpose from 127.0.0.1, so switch that off where sshd knows it.
    if (await supportsOption(this.configPath, 'PerSourcePenalties=no')) {
      writeFileSync(this.configPath, config(['PerSourcePenalties no']), { mode: 0o644 });
    }
    const check = await exec(SSHD, ['-t', '-f', this.configPath], { timeoutMs: 10_000 });
    if (check.code !== 0) {
      throw new Error(`sshd -t rejected ${this.configPath}:\n${check.stderr}${check.stdout}`);
    }
  }

  /** Starts `sshd -D -e` and waits until its own "Server listening" line and a TCP connect. */
  private async launch(): Promise<void> {
    const logFrom = this.log().length;
    const logFd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(SSHD, ['-D', '-e', '-f', this.configPath], {
        stdio: ['ignore', logFd, logFd],
        env: { PATH: SYSTEM_PATH, LANG: 'C' },
      });
    } finally {
      closeSync(logFd);
    }
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    this.listener = { child, exited };

    const timeoutMs = this.options.startTimeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    const ready = `Server listening on ${HOST} port ${this.port}.`;
    for (;;) {
      const log = this.log().slice(logFrom);
      if (isExited(child)) {
        this.listener = undefined;
        if (log.includes('Address already in use')) throw new PortInUseError(log);
        throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}) on start:\n${log}`);
      }
      if (log.includes(ready) && (await canConnect(this.port))) return;
      if (Date.now() > deadline) {
        await this.stopListener();
        throw new Error(
          `sshd did not accept connections on ${this.port} in ${timeoutMs} ms:\n${log}`,
        );
      }
      await sleep(50);
    }
  }
}

class PortInUseError extends Error {}

// --- instances left running when the test process exits ------------------------------------

const live = new Set<SshdInstance>();
// A crashed or aborted test file must not leave sshd listening: kill what is still ours.
process.once('exit', () => {
  for (const instance of live) instance.killNow();
});

// --- the login user -------------------------------------------------------------------------

const accounts = new Map<string, Promise<Account>>();

function ensureUser(name: string): Promise<Account> {
  let account = accounts.get(name);
  if (!account) {
    account = createUser(name);
    accounts.set(name, account);
  }
  return account;
}

/**
 * Creates (or repairs) a login user: shell /bin/sh, a home, and password '*' — no password
 * login, but not locked ('!'), since sshd without PAM refuses even key logins to locked
 * accounts. Several test processes may race here: useradd/usermod then fail on the passwd
 * lock or "already exists", and we simply look again.
 */
async function createUser(name: string): Promise<Account> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const entry = passwdEntry(name);
    const password = shadowPassword(name);
    if (entry && entry.shell === '/bin/sh' && password !== undefined && !password.startsWith('!')) {
      if (!existsSync(entry.account.home)) {
        mkdirSync(entry.account.home, { recursive: true, mode: 0o755 });
        chownSync(entry.account.home, entry.account.uid, entry.account.gid);
      }
      return entry.account;
    }
    const result = entry
      ? await exec('/usr/sbin/usermod', ['-s', '/bin/sh', '-p', '*', name])
      : await exec('/usr/sbin/useradd', [
          '-m',
          '-s',
          '/bin/sh',
          '-p',
          '*',
          '-c',
          'switchboard tests',
          name,
        ]);
    if (result.code !== 0) {
      if (Date.now() > deadline) {
        throw new Error(`could not create the test user ${name}: ${result.stderr}`);
      }
      await sleep(100 + Math.random() * 200);
    }
  }
}

function passwdEntry(name: string): { account: Account; shell: string } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid, , home, shell] = line.split(':');
    if (user === name && uid && gid && home && shell) {
      return { account: { name, uid: Number(uid), gid: Number(gid), home }, shell };
    }
  }
  return undefined;
}

function shadowPassword(name: string): string | undefined {
  for (const line of readFileSync('/etc/shadow', 'utf8').split('\n')) {
    const [user, password] = line.split(':');
    if (user === name) return password;
  }
  return undefined;
}

// --- processes ------------------------------------------------------------------------------

interface ProcInfo {
  readonly ppid: number;
  readonly state: string;
  /** Start time in clock ticks since boot: with the pid, names a process even if pids wrap. */
  readonly start: string;
}

function readProcs(): Map<number, ProcInfo> {
  const procs = new Map<number, ProcInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) procs.set(Number(name), info);
  }
  return procs;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    // "pid (comm) state ppid …" — comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]), start: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

function descendants(root: number, procs: Map<number, ProcInfo>): number[] {
  const found: number[] = [];
  const queue = [root];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const [pid, info] of procs) {
      if (info.ppid === parent && !found.includes(pid)) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Alive and not a zombie (a zombie is dead; only its parent's wait() is pending). */
function isAlive(pid: number): boolean {
  const state = readProc(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

const isExited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** SIGSTOPs the roots and all their descendants, rescanning until no new child appears. */
function freezeTree(...roots: number[]): number[] {
  const frozen = [...roots];
  for (const pid of roots) signal(pid, 'SIGSTOP');
  for (let round = 0; round < 50; round++) {
    const procs = readProcs();
    const all = roots.flatMap((root) => descendants(root, procs));
    const fresh = all.filter((pid) => !frozen.includes(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) signal(pid, 'SIGSTOP');
    frozen.push(...fresh);
  }
  return frozen;
}

/** SIGTERM (and SIGCONT, for frozen ones), then SIGKILL what is left after 3 s. */
async function terminate(pids: readonly number[]): Promise<void> {
  for (const pid of pids) {
    signal(pid, 'SIGTERM');
    signal(pid, 'SIGCONT');
  }
  const allGone = () => pids.every((pid) => !isAlive(pid));
  const deadline = Date.now() + 3_000;
  while (!allGone() && Date.now() < deadline) await sleep(50);
  if (allGone()) return;
  for (const pid of pids) if (isAlive(pid)) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (!allGone() && Date.now() < killDeadline) await sleep(50);
}

// --- small utilities ------------------------------------------------------------------------

interface ExecOptions {
  readonly timeoutMs?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

function exec(
  file: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: options.env ?? { PATH: SYSTEM_PATH, LANG: 'C' },
      },
      (error, stdout, stderr) => {
        // A string code is a spawn failure (ENOENT…), not the command's exit status.
        if (error && typeof error.code === 'string') return reject(error);
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ stdout, stderr, code, signal: (error?.signal as NodeJS.Signals) ?? null });
      },
    );
  });
}

async function must(file: string, args: readonly string[]): Promise<RunResult> {
  const result = await exec(file, args);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  }
  return result;
}

/** An ed25519 key pair without passphrase at `path` and `path.pub`. */
const keygen = (path: string, comment: string) =>
  must(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);

const optionSupport = new Map<string, Promise<boolean>>();

/** Whether this sshd knows a keyword (asked once per process, with `sshd -t -o`). */
function supportsOption(configPath: string, option: string): Promise<boolean> {
  let known = optionSupport.get(option);
  if (!known) {
    known = exec(SSHD, ['-t', '-f', configPath, '-o', option], { timeoutMs: 10_000 }).then(
      (result) => result.code === 0,
    );
    optionSupport.set(option, known);
  }
  return known;
}

/** sshd refuses to start without its privilege-separation dir (root-owned, not writable). */
function ensurePrivsepDir(): void {
  const created = mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  if (created !== undefined) chmodSync('/run/sshd', 0o755);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from :0');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
