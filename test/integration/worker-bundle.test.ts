import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-db.js';
import { buildWorker } from '../helpers/wrangler.js';

const MIB = 1024 * 1024;
// Node-only code the Worker must never carry (ARCHITECTURE.md rule 5).
const FORBIDDEN_INPUT =
  /node_modules\/(ssh2|cpu-features|libsql|@libsql\/linux)|src\/runner\/|src\/db\/local-client|node:(net|child_process)/;
const FORBIDDEN_CODE =
  /(?:require\(|from |import\()\s*["'](?:ssh2|node:net|net|node:child_process|child_process)["']/;

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it('holds no ssh2, node:net or node:child_process and stays under 1 MiB gzip', async () => {
    const build = await buildWorker(makeTempDir('switchboard-worker-bundle-'));
    // The build really contains the gateway (a broken build would pass the checks below).
    expect(build.inputs).toContain('src/entry/worker.ts');
    expect(build.inputs).toContain('src/gateway/app.ts');
    expect(build.inputs).toContain('src/db/d1-client.ts');
    expect(build.inputs.filter((i) => FORBIDDEN_INPUT.test(i))).toEqual([]);
    // No compatibility flags: nothing is left to the runtime to provide.
    expect(build.externals).toEqual([]);
    expect(FORBIDDEN_CODE.exec(build.code)?.[0] ?? null).toBeNull();
    expect(build.gzipBytes).toBeLessThanOrEqual(MIB);
  }, 60_000);
});
