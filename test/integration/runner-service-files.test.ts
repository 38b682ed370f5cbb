import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/entry/config/load-config.js';

const file = (name: string) =>
  fileURLToPath(new URL(`../../runner-service/${name}`, import.meta.url));

describe('runner-service deployment files', () => {
  it('ships an example config the real loader accepts, with every host key pinned', () => {
    const loaded = loadConfig({
      env: { SWITCHBOARD_CONFIG: file('runner.example.yaml') },
      cwd: '/',
      version: 'x',
      readFile: (p) => readFileSync(p, 'utf8'),
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    expect(loaded.value.hosts.length).toBeGreaterThan(0);
    expect(loaded.value.hosts.every((h) => h.host_key ?? h.known_hosts)).toBe(true);
  });

  it('ships a systemd unit that runs the service hardened and unprivileged', () => {
    const unit = readFileSync(file('switchboard-runner.service'), 'utf8');
    const directives = new Map(
      unit
        .split('\n')
        .filter((l) => /^[A-Za-z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(directives.get('ExecStart')).toMatch(/switchboard\.js runner$/);
    expect(directives.get('User')).toBe('switchboard-runner');
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['PrivateTmp', 'yes'],
      ['CapabilityBoundingSet', ''],
    ]) {
      expect(directives.get(key ?? ''), key).toBe(value);
    }
    expect(directives.get('MemoryMax')).toBeTruthy();
    expect(directives.get('CPUQuota')).toBeTruthy();
  });
});
