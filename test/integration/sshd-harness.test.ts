// Smoke test of the real-sshd harness (test/helpers/sshd.ts), driven with the system OpenSSH
// client: if these fail, every SSH runner test built on the harness would fail confusingly.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../helpers/sshd.js';

const scratch = mkdtempSync(join(tmpdir(), 'switchboard-sshd-client-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const started: Sshd[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
const start = async (...args: Parameters<typeof startSshd>) => {
  const sshd = await startSshd(...args);
  started.push(sshd);
  return sshd;
};

interface Result {
  stdout: string;
  stderr: string;
  code: number | null;
}

function execResult(file: string, args: string[], timeout = 20_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

let knownHostsFiles = 0;
/** argv for the system client: only this key, only this known_hosts line, never a prompt. */
function sshArgs(
  sshd: Sshd,
  command: string,
  {
    knownHostsLine = sshd.knownHostsLine,
    keyPath = sshd.clientKeyPath,
    user = sshd.user,
  }: { knownHostsLine?: string; keyPath?: string; user?: string } = {},
): string[] {
  const knownHosts = join(scratch, `known_hosts.${++knownHostsFiles}`);
  writeFileSync(knownHosts, `${knownHostsLine}\n`);
  return [
    '-F',
    '/dev/null',
    '-i',
    keyPath,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-p',
    String(sshd.port),
    `${user}@${sshd.host}`,
    command,
  ];
}

const ssh = (...args: Parameters<typeof sshArgs>) => execResult('ssh', sshArgs(...args));

/** Alive and not a zombie, read straight from /proc. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let sessions = 0;
/**
 * Starts `ssh … sleep 300` in the background and waits until sshd runs it for the user: a
 * descendant of the listener whose argv carries this session's mark. (Counting processes
 * raced with sshd's own forks on a loaded machine.) Fails at once if the client gives up.
 */
async function openSession(sshd: Sshd) {
  const mark = `switchboard-session-${sshd.port}-${++sessions}`;
  const client = spawn('ssh', sshArgs(sshd, `sh -c 'sleep 300; true' ${mark}`), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  client.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    client.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  await waitFor(
    'the session',
    () => {
      if (gone) throw new Error(`ssh exited before the session ran: ${stderr}\n${sshd.log()}`);
      return sshd.pids().some((pid) => argvOf(pid).includes(mark));
    },
    30_000,
  );
  return { client, exited };
}

function argvOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

describe('the real sshd test harness', { timeout: 120_000 }, () => {
  it('accepts the client key for the test user with a pinned host key', async () => {
    const sshd = await start();
    expect(sshd.host).toBe('127.0.0.1');
    expect(sshd.knownHostsLine).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 AAAA\S+$/);
    expect(sshd.knownHostsLine).toContain(`]:${sshd.port} `);
    expect(sshd.clientPrivateKey).toContain('BEGIN OPENSSH PRIVATE KEY');

    const result = await ssh(sshd, 'echo hi; id -un');
    expect(result, sshd.log()).toMatchObject({ code: 0, stdout: `hi\n${sshd.user}\n` });
    expect(sshd.log()).toContain(`Accepted publickey for ${sshd.user}`);
  });

  it('reports the host key fingerprint that ssh-keyscan sees', async () => {
    const sshd = await start();
    expect(sshd.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);

    const scan = await execResult('ssh-keyscan', [
      '-t',
      'ed25519',
      '-p',
      String(sshd.port),
      sshd.host,
    ]);
    expect(scan.code).toBe(0);
    const scanned = scan.stdout.split('\n').find((line) => line.includes('ssh-ed25519')) ?? '';
    expect(scanned).toBe(sshd.knownHostsLine);
    const scannedFile = join(scratch, `scanned.${sshd.port}`);
    writeFileSync(scannedFile, `${scanned}\n`);
    const print = await execResult('ssh-keygen', ['-l', '-E', 'sha256', '-f', scannedFile]);
    expect(print.stdout.split(/\s+/)[1]).toBe(sshd.hostKeySha256);
  });

  it('refuses other keys, root, and a wrong host key', async () => {
    const sshd = await start();
    const other = await start();
    expect(other.port).not.toBe(sshd.port);
    // Each instance trusts only its own client key, although the login user is shared.
    const wrongKey = await ssh(sshd, 'true', { keyPath: other.clientKeyPath });
    expect(wrongKey.code).toBe(255);
    expect(wrongKey.stderr).toContain('Permission denied');
    const root = await ssh(sshd, 'true', { user: 'root' });
    expect(root.code).toBe(255);
    expect(root.stderr).toContain('Permission denied');
    const knownHostsLine = other.knownHostsLine.replace(/:\d+ /, `:${sshd.port} `);
    const wrongHost = await ssh(sshd, 'true', { knownHostsLine });
    expect(wrongHost.code).toBe(255);
    expect(wrongHost.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });

  it('runs commands as the test user on the host side', async () => {
    const sshd = await start();
    const result = await sshd.run('id -un; pwd; echo oops >&2; exit 3');
    expect(result).toMatchObject({
      code: 3,
      stdout: `${sshd.user}\n${sshd.userDir}\n`,
      stderr: 'oops\n',
    });
    // On timeout the whole tree goes, not only runuser.
    const mark = `switchboard-timeout-${sshd.port}`;
    const slow = await sshd.run(`sh -c 'sleep 30; true' ${mark}`, { timeoutMs: 300 });
    expect(slow).toMatchObject({ code: null, signal: 'SIGKILL' });
    const ps = await execResult('ps', ['-u', sshd.user, '-o', 'pid=,args=']);
    expect(ps.stdout).not.toContain(mark);
  });

  it('stop() ends the listener, its sessions and detached commands, and removes the dir', async () => {
    const sshd = await start();
    const { exited } = await openSession(sshd);
    const orphanMark = `switchboard-orphan-${sshd.port}`;
    // A command that outlives its session (re-parented to init): only the environment says
    // which sshd started it. The mark is its $0, so ps can find it.
    const detached = await ssh(sshd, `sh -c 'sleep 300; true' ${orphanMark} >/dev/null 2>&1 &`);
    expect(detached.code).toBe(0);
    const pids = sshd.pids();
    expect(pids.length).toBeGreaterThanOrEqual(4);
    // The marked shell forks to run `sleep`; between that fork and its exec the child still
    // shows the mark, so a ps at that instant sees two. Look again until the fork has exec'd.
    const marked = async () =>
      (await execResult('ps', ['-u', sshd.user, '-o', 'pid=,args='])).stdout
        .split('\n')
        .filter((line) => line.trim().endsWith(` ${orphanMark}`))
        .map((line) => Number(line.trim().split(/\s+/)[0]));
    let orphans = await marked();
    for (let tries = 0; orphans.length !== 1 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      orphans = await marked();
    }
    expect(orphans).toHaveLength(1);
    expect(pids).not.toContain(orphans[0]);

    await sshd.stop();
    for (const pid of [...pids, ...orphans]) {
      expect(isAlive(pid), `pid ${pid}`).toBe(false);
    }
    await exited; // the client's connection was closed
    expect(existsSync(sshd.dir)).toBe(false);
    const after = await execResult('ps', ['-eo', 'pid,args']);
    expect(after.stdout).not.toContain(sshd.dir);
    await sshd.stop(); // idempotent
  });

  it('restart() drops sessions, refuses while down, and comes back on the same port', async () => {
    const sshd = await start();
    const { port, hostKeySha256 } = sshd;
    const session = await openSession(sshd);
    const sessionPids = sshd.pids().slice(1);

    await sshd.stopListener();
    await session.exited;
    for (const pid of sessionPids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    const down = await ssh(sshd, 'true');
    expect(down.code).toBe(255);
    expect(down.stderr).toContain('Connection refused');

    await sshd.startListener();
    expect(sshd.port).toBe(port);
    expect(sshd.hostKeySha256).toBe(hostKeySha256);
    expect(await ssh(sshd, 'echo back')).toMatchObject({ code: 0, stdout: 'back\n' });

    const oldListener = sshd.pid;
    await sshd.restart();
    expect(sshd.pid).not.toBe(oldListener);
    expect(await ssh(sshd, 'echo again')).toMatchObject({ code: 0, stdout: 'again\n' });
  });

  it('restart({ keepSessions: true }) keeps sessions, and stop() still ends them', async () => {
    const sshd = await start();
    const session = await openSession(sshd);
    const sessionPids = sshd.pids().slice(1);
    await sshd.restart({ keepSessions: true });
    for (const pid of sessionPids) expect(isAlive(pid), `pid ${pid}`).toBe(true);
    // They belong to no listener now (init adopted them), yet stop() must find them.
    expect(sshd.pids().filter((pid) => sessionPids.includes(pid))).toEqual([]);

    await sshd.stop();
    await session.exited;
    for (const pid of sessionPids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  });

  it('rotateHostKey() makes the old known_hosts line fail', async () => {
    const sshd = await start();
    const { knownHostsLine, hostKeySha256, port } = sshd;
    await sshd.rotateHostKey();
    expect(sshd.port).toBe(port);
    expect(sshd.hostKeySha256).not.toBe(hostKeySha256);
    const refused = await ssh(sshd, 'true', { knownHostsLine });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(await ssh(sshd, 'echo ok')).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  it('applies maxSessions and extraConfig (which overrides the defaults)', async () => {
    const sshd = await start({ maxSessions: 3, extraConfig: ['LoginGraceTime 7'] });
    // `sshd -T` prints the configuration sshd actually uses.
    const effective = await execResult('/usr/sbin/sshd', [
      '-T',
      '-f',
      join(sshd.dir, 'sshd_config'),
    ]);
    expect(effective.stdout).toMatch(/^maxsessions 3$/m);
    expect(effective.stdout).toMatch(/^logingracetime 7$/m);
    expect(effective.stdout).toMatch(/^listenaddress 127\.0\.0\.1:\d+$/m);
    expect(effective.stdout).toMatch(/^usepam no$/m);
  });
});
