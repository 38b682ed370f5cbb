#!/usr/bin/env node
// Runs before the suite (`npm test`): checks what the tests need from the machine and says
// exactly what is missing. System packages are installed with apt-get when running as root
// (CI and the dev containers are root on Debian); otherwise the exact command is printed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `Switchboard's tests need Node.js 20.19 or newer; this is ${process.versions.node}.`,
  );
  process.exit(1);
}

// The SSH runner's integration tests start a real OpenSSH server on 127.0.0.1
// (test/helpers/sshd.ts) and talk to it with the system client tools as well.
const SSH_BINARIES = [
  '/usr/sbin/sshd',
  '/usr/bin/ssh',
  '/usr/bin/ssh-keygen',
  '/usr/bin/ssh-keyscan',
];
const SSH_PACKAGES = ['openssh-server', 'openssh-client'];

if (SSH_BINARIES.some((path) => !existsSync(path))) {
  try {
    installOpenSsh();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

/** Installs OpenSSH from Debian's packages without leaving a system sshd running or enabled. */
function installOpenSsh() {
  const missing = SSH_BINARIES.filter((path) => !existsSync(path)).join(', ');
  if (process.getuid?.() !== 0) {
    console.error(
      `Switchboard's tests start a real OpenSSH server, but ${missing} is missing.\n` +
        'Install it with:\n\n  sudo apt-get install openssh-server\n',
    );
    process.exit(1);
  }
  if (!existsSync('/usr/bin/apt-get')) {
    fail(`${missing} is missing and there is no apt-get here: install OpenSSH (sshd) by hand.`);
  }

  console.log(`test-setup: ${missing} missing; installing ${SSH_PACKAGES.join(' ')} (apt-get)`);
  // Debian's maintainer scripts start the service through invoke-rc.d / deb-systemd-invoke,
  // both of which ask /usr/sbin/policy-rc.d first; exit 101 means "action forbidden". A
  // policy that is already there (Docker images ship this very one) is the machine's own:
  // leave it, and rely on the pid-file check below instead.
  const POLICY = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(POLICY);
  if (ownPolicy) {
    writeFileSync(POLICY, '#!/bin/sh\n# Written by switchboard scripts/test-setup.js\nexit 101\n', {
      mode: 0o755,
    });
  }
  const hadSshd = existsSync('/usr/sbin/sshd');
  const systemPidBefore = readPidFile('/run/sshd.pid');
  // Ctrl-C reaches apt-get too, which then fails; stay alive long enough to remove our policy.
  const ignore = () => {};
  process.on('SIGINT', ignore).on('SIGTERM', ignore);
  try {
    // Wait for another apt/dpkg (e.g. a concurrent test run) instead of failing on its lock.
    const apt = ['-o', 'DPkg::Lock::Timeout=300'];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', [...apt, 'update'], env);
    run('apt-get', [...apt, 'install', '-y', '--no-install-recommends', ...SSH_PACKAGES], env);
  } finally {
    if (ownPolicy) rmSync(POLICY, { force: true });
    process.off('SIGINT', ignore).off('SIGTERM', ignore);
  }

  // Belt and braces: if a system sshd came up anyway (a policy that allowed it), stop exactly
  // that one — the pid in its own pid file, and only if that file is new since the install.
  const systemPid = readPidFile('/run/sshd.pid');
  if (systemPid !== undefined && systemPid !== systemPidBefore && isSystemSshd(systemPid)) {
    console.log(`test-setup: stopping the system sshd (pid ${systemPid}) the install started`);
    try {
      process.kill(systemPid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  // On a machine booted with systemd the package also enables ssh.service for the next boot;
  // the tests run their own private sshd, so do not leave a network-facing one behind.
  // (Only when sshd itself was new: an OpenSSH server that was already here is not ours.)
  if (!hadSshd && existsSync('/run/systemd/system') && existsSync('/usr/bin/systemctl')) {
    spawnSync('systemctl', ['disable', '--now', 'ssh.service', 'ssh.socket'], {
      stdio: 'inherit',
    });
  }

  const stillMissing = SSH_BINARIES.filter((path) => !existsSync(path));
  if (stillMissing.length > 0) {
    throw new Error(
      `installed ${SSH_PACKAGES.join(' ')} but ${stillMissing.join(', ')} is still missing.`,
    );
  }
}

/** Runs a command with the terminal attached; throws a clear message when it fails. */
function run(cmd, args, env) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(
      `\`${cmd} ${args.join(' ')}\` failed (${why}).\n` +
        `The tests need ${SSH_PACKAGES.join(' ')}; install them and run the tests again.`,
    );
  }
}

function readPidFile(path) {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is the system daemon (started without -f), never one of the tests' own. */
function isSystemSshd(pid) {
  try {
    // sshd rewrites its title ("sshd: /usr/sbin/sshd -D -f … [listener] …"), so match text.
    const cmdline = ` ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')} `;
    return cmdline.includes('sshd') && !cmdline.includes(' -f ');
  } catch {
    return false;
  }
}

function fail(message) {
  console.error(`test-setup: ${message}`);
  process.exit(1);
}
