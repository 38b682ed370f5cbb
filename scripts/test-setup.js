#!/usr/bin/env node
// Runs before the suite (`npm test`): checks what the tests need from the machine and says
// exactly what is missing. System packages are installed with apt-get when running as root
// (CI and the dev containers are root on Debian); otherwise the exact command is printed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// The PWA's browser tests (test/integration/pwa-browser.test.ts) drive Debian's chromium with
// playwright-core, which downloads no browser of its own.
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  try {
    installChromium();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

// test/integration/real-clis.test.ts runs the real agent CLIs (claude, codex, gemini) on the
// test host. They come from test/real-clis/package-lock.json, not the root package.json: they
// are ~740 MB, and only this test needs them, so a plain `npm ci` for the app stays small.
try {
  installRealClis();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

/**
 * `npm ci` into test/real-clis/node_modules when it is missing or was installed from another
 * lock file (a stamp inside node_modules holds the lock's hash; npm ci wipes it first).
 *
 * Install scripts: --ignore-scripts, then exactly one script by hand. Of the three CLIs only
 * claude needs its postinstall (install.cjs: hard-links the native binary from the platform
 * package @anthropic-ai/claude-code-linux-x64 over the bin/claude.exe stub; no download). codex
 * needs none (bin/codex.js finds its native binary in an optional platform package). The other
 * scripts belong to gemini's optional native add-ons, which headless `gemini -p` does not load:
 * @github/keytar (would download a prebuilt binary from GitHub, else compile with node-gyp) and
 * node-pty (compile). Skipping them keeps the install offline-safe and the same on every npm
 * version, whatever its default for dependency scripts.
 */
function installRealClis() {
  const dir = fileURLToPath(new URL('../test/real-clis/', import.meta.url));
  const modules = join(dir, 'node_modules');
  const stamp = join(modules, '.switchboard-lock.sha256');
  const hash = createHash('sha256')
    .update(readFileSync(join(dir, 'package-lock.json')))
    .digest('hex');
  if (readText(stamp) === hash) return;

  const started = Date.now();
  process.stdout.write(
    'test-setup: installing the real agent CLIs for real-clis.test.ts into ' +
      'test/real-clis/node_modules (npm ci, ~740 MB; again only when its lock file changes)…',
  );
  quietly('npm', ['ci', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund']);
  const claude = join(modules, '@anthropic-ai', 'claude-code');
  quietly(process.execPath, [join(claude, 'install.cjs')]);
  // install.cjs exits 0 but leaves the 500-byte stub when no native package fits this platform.
  if (statSync(join(claude, 'bin', 'claude.exe')).size < 1024 * 1024) {
    throw new Error(
      `claude's native binary is missing after ${join(claude, 'install.cjs')}: is there an ` +
        `@anthropic-ai/claude-code-* package for ${process.platform}-${process.arch}?`,
    );
  }
  // The test host runs them as an unprivileged user: everything readable, dirs and binaries
  // executable, whatever the umask was.
  quietly('chmod', ['-R', 'a+rX', dir]);
  writeFileSync(stamp, `${hash}\n`);
  console.log(` done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs a command with its output captured, shown only when it fails. */
function quietly(cmd, args) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    console.log('');
    throw new Error(
      `\`${cmd} ${args.join(' ')}\` failed (${why}):\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
}

function readText(path) {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
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

/** Installs Debian's chromium for the PWA tests (root: apt-get; otherwise says what to run). */
function installChromium() {
  if (process.getuid?.() !== 0) {
    console.error(
      `Switchboard's PWA tests drive Chromium, but ${CHROMIUM} is missing.\n` +
        'Install it with:\n\n  sudo apt-get install chromium fonts-liberation\n',
    );
    process.exit(1);
  }
  if (!existsSync('/usr/bin/apt-get')) {
    fail(`${CHROMIUM} is missing and there is no apt-get here: install Chromium by hand.`);
  }
  // fonts-liberation is only recommended, but without a font the screenshots have no text.
  const packages = ['chromium', 'fonts-liberation'];
  console.log(`test-setup: ${CHROMIUM} missing; installing ${packages.join(' ')} (apt-get)`);
  const apt = ['-o', 'DPkg::Lock::Timeout=300'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', [...apt, 'update'], env, packages.join(' '));
  run(
    'apt-get',
    [...apt, 'install', '-y', '--no-install-recommends', ...packages],
    env,
    packages.join(' '),
  );
  if (!existsSync(CHROMIUM))
    throw new Error(`installed chromium but ${CHROMIUM} is still missing.`);
}

/** Runs a command with the terminal attached; throws a clear message when it fails. */
function run(cmd, args, env, packages = SSH_PACKAGES.join(' ')) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(
      `\`${cmd} ${args.join(' ')}\` failed (${why}).\n` +
        `The tests need ${packages}; install them and run the tests again.`,
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
