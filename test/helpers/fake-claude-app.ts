import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startInProcess } from './in-process.js';
import { makeTempDir } from './temp-db.js';

/**
 * Switchboard in this process with `script` as the only `claude` on PATH (a stand-in that
 * answers per model, fails, or takes its time) and `yaml` as its config. `dir` when the test
 * needs to know it beforehand (a repo path in the config, the database file).
 */
export async function startWithFakeClaude(o: {
  readonly adminToken: string;
  readonly script: string;
  readonly yaml: readonly string[];
  readonly dir?: string;
  readonly version?: string;
}): Promise<RunningSwitchboard> {
  const dir = o.dir ?? makeTempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), o.script);
  chmodSync(join(bin, 'claude'), 0o755);
  return startInProcess({
    dir,
    adminToken: o.adminToken,
    path: `${bin}:/usr/bin:/bin`,
    yaml: o.yaml.join('\n'),
    ...(o.version ? { version: o.version } : {}),
  });
}
