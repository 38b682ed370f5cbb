import { execFileSync } from 'node:child_process';
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHost, LOCAL_HOST } from '../../src/entry/host-checks.js';
import { createLocalTransport } from '../../src/runner/local-transport.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { runCli } from '../helpers/switchboard-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const GIT_VERSION = /\d+\.\d+[\w.+-]*/.exec(
  execFileSync('git', ['--version'], { encoding: 'utf8' }),
)?.[0];
// A well-formed fingerprint that no real key has.
const WRONG_PIN = `SHA256:${'A'.repeat(43)}`;

const hostYaml = (fields: Record<string, string | number>) =>
  `  - { ${Object.entries(fields)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ')} }`;

describe('switchboard doctor checks every host (a real sshd)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
  });

  it('reports reachability, host key, auth and CLI versions per host, and exits 1', async () => {
    const cwd = makeTempDir();
    // A key pair sshd has never seen, for the host whose auth must fail.
    const strangerKey = join(cwd, 'stranger_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]);
    const knownHosts = join(cwd, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    const base = { address: sshd.host, port: sshd.port, user: sshd.user };
    const key = { key_file: sshd.clientKeyPath };
    writeFileSync(
      join(cwd, 'switchboard.yaml'),
      [
        'hosts:',
        hostYaml({ name: 'good', ...base, ...key, host_key: sshd.hostKeySha256 }),
        hostYaml({ name: 'listed', ...base, ...key, known_hosts: knownHosts }),
        hostYaml({ name: 'wrong-pin', ...base, ...key, host_key: WRONG_PIN }),
        hostYaml({ name: 'unpinned', ...base, ...key }),
        hostYaml({
          name: 'stranger',
          ...base,
          key_file: strangerKey,
          host_key: sshd.hostKeySha256,
        }),
        hostYaml({ name: 'down', ...base, port: 1, ...key, host_key: sshd.hostKeySha256 }),
        hostYaml({ name: 'keyless', ...base, key_file: join(cwd, 'nope'), host_key: WRONG_PIN }),
        '',
      ].join('\n'),
    );
    const env = { SWITCHBOARD_CONFIG: 'switchboard.yaml' };
    expect(await runCli(['migrate'], cwd, env).exited).toBe(0);

    const run = runCli(['doctor'], cwd, env);
    expect(await run.exited, run.stderr()).toBe(1);
    const out = run.stdout();
    const where = `${sshd.user}@${sshd.host}`;
    const keyscan = `ssh-keyscan -p ${sshd.port} ${sshd.host} | ssh-keygen -lf -`;
    expect(out).toMatch(/^✓ database migrated: /m);
    expect(out).toContain('✓ local reachable: runs on this machine, without SSH');
    expect(out).toMatch(/^✓ local CLIs: git \S+, claude \S+, codex \S+, gemini \S+$/m);
    for (const name of ['good', 'listed']) {
      expect(out).toContain(
        `✓ ${name} reachable, host key matches, auth works: ${where}:${sshd.port}`,
      );
      expect(out).toContain(`✓ ${name} CLIs: git ${GIT_VERSION}, claude `);
    }
    expect(out).toContain(
      `✗ wrong-pin host key: presented key does not match the pinned ${WRONG_PIN}; `,
    );
    expect(out).toContain(
      `✗ unpinned host key: no host_key or known_hosts configured, so no key is trusted; ` +
        `pin it: ${keyscan}`,
    );
    expect(out).toContain(
      `✗ stranger auth: ${where}:${sshd.port} did not accept the key in ${strangerKey}`,
    );
    expect(out).toContain(`✗ down reachable: cannot connect to ${where}:1`);
    expect(out).toContain(
      `✗ keyless config: cannot set up SSH: ENOENT: no such file or directory, open '${join(cwd, 'nope')}'`,
    );
    // A host whose connection failed gets no CLI line, and nothing else fails.
    for (const name of ['wrong-pin', 'unpinned', 'stranger', 'down', 'keyless']) {
      expect(out).not.toContain(`${name} CLIs`);
    }
    expect(out.match(/^✗/gm)).toHaveLength(5);
  }, 60_000);
});

describe('checkHost on the local transport', () => {
  it('lists installed CLIs with their versions, and flags broken or hung ones', async () => {
    const bin = makeTempDir();
    const fake = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    fake('claude', "echo '2.0.14 (Claude Code)'");
    fake('codex', 'echo "codex: cannot find module" >&2; exit 3');
    fake('gemini', 'sleep 30');
    const transport = createLocalTransport({
      baseEnv: { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    });
    try {
      const checks = await checkHost(LOCAL_HOST, transport);
      expect(checks).toEqual([
        { ok: true, label: 'local reachable', detail: 'runs on this machine, without SSH' },
        {
          ok: false,
          label: 'local CLIs',
          detail:
            `git ${GIT_VERSION}, claude 2.0.14, ` +
            'codex installed, but --version exited 3 (codex: cannot find module), ' +
            'gemini installed, but no answer to --version',
        },
      ]);
    } finally {
      await transport.close();
    }
  });

  it('shows a missing CLI as missing without failing the check', async () => {
    // Only what the probe itself needs, so an agent CLI installed on this machine stays out.
    const bin = makeTempDir();
    for (const tool of ['sh', 'git', 'head', 'timeout', 'true']) {
      symlinkSync(
        execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' }).trim(),
        join(bin, tool),
      );
    }
    const transport = createLocalTransport({ baseEnv: { PATH: bin } });
    try {
      const [, clis] = await checkHost(LOCAL_HOST, transport);
      expect(clis).toEqual({
        ok: true,
        label: 'local CLIs',
        detail: `git ${GIT_VERSION}, claude —, codex —, gemini —`,
      });
    } finally {
      await transport.close();
    }
  });
});
