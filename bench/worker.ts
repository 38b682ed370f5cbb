// `npm run bench -- --only worker`: the Worker gateway's bundle (what `wrangler deploy` would
// upload) and how fast `wrangler dev` (workerd, local D1) serves its first request.
import { performance } from 'node:perf_hooks';
import { makeTempDir } from '../test/helpers/temp-db.js';
import { buildWorker, prepareD1, startWranglerDev } from '../test/helpers/wrangler.js';

export const WORKER_HEADING = '## Worker gateway (Cloudflare Workers)';
const BUNDLE_TARGET_BYTES = 1024 * 1024;

export interface WorkerBenchResult {
  readonly buildMs: number;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly packages: readonly { readonly name: string; readonly bytes: number }[];
  readonly starts: readonly {
    readonly readyMs: number;
    readonly firstHealthMs: number;
    readonly coldRequestMs: number;
  }[];
  readonly warmMs: readonly number[];
}

/** node_modules/@scope/pkg/… → @scope/pkg; our own files → src/<folder>. */
function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m?.[1]) return m[1];
  const own = /^src\/([^/]+)/.exec(input);
  return own?.[1] ? `src/${own[1]}` : input;
}

export async function runWorkerBench(
  options: { readonly starts: number; readonly warm: number },
  log: (line: string) => void,
): Promise<WorkerBenchResult> {
  const t0 = performance.now();
  const build = await buildWorker(makeTempDir('switchboard-bench-worker-'));
  const buildMs = performance.now() - t0;
  const byPackage = new Map<string, number>();
  for (const c of build.contributions) {
    byPackage.set(packageOf(c.input), (byPackage.get(packageOf(c.input)) ?? 0) + c.bytes);
  }
  const packages = [...byPackage]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
  log(`bundle: ${build.bytes} B, ${build.gzipBytes} B gzip (${Math.round(buildMs)} ms to build)`);
  const starts: WorkerBenchResult['starts'][number][] = [];
  let warmMs: number[] = [];
  for (let i = 0; i < options.starts; i++) {
    const dir = makeTempDir('switchboard-bench-wrangler-');
    await prepareD1(dir);
    const dev = await startWranglerDev({
      dir,
      vars: { SWITCHBOARD_ADMIN_TOKEN: 'bench-admin-token-0123456789' },
    });
    try {
      starts.push({
        readyMs: dev.readyMs,
        firstHealthMs: dev.firstHealthMs,
        coldRequestMs: dev.coldRequestMs,
      });
      log(
        `start ${i + 1}: ready ${Math.round(dev.readyMs)} ms, first 200 ${Math.round(dev.firstHealthMs)} ms (cold request ${Math.round(dev.coldRequestMs)} ms)`,
      );
      if (i === 0) {
        warmMs = [];
        for (let n = 0; n < options.warm; n++) {
          const sent = performance.now();
          await (await fetch(`${dev.url}/health`)).arrayBuffer();
          warmMs.push(performance.now() - sent);
        }
      }
    } finally {
      await dev.stop();
    }
  }
  return { buildMs, bytes: build.bytes, gzipBytes: build.gzipBytes, packages, starts, warmMs };
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const ms = (v: number) => `${Math.round(v)} ms`;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

export function renderWorkerSection(r: WorkerBenchResult): string {
  const met = r.gzipBytes <= BUNDLE_TARGET_BYTES;
  return `${WORKER_HEADING}

\`src/entry/worker.ts\` bundled by \`wrangler deploy --dry-run\` (esbuild, no minification, no
compatibility flags), then started with \`wrangler dev --local\` (workerd, a local D1 database) on
this machine. "First 200" is from spawning wrangler to the first 200 from \`/health\`; the cold
request is that first request, in which a new isolate parses its config and builds the gateway.

| bundle | size |
| --- | --- |
| worker.js | ${kib(r.bytes)} |
| **gzip (what Cloudflare counts)** | **${kib(r.gzipBytes)}** |

- **Target:** ≤ 1 MiB gzip — ${met ? 'met' : '**missed**'}. Built in ${ms(r.buildMs)}.
- Largest parts (uncompressed): ${r.packages.map((p) => `${p.name} ${kib(p.bytes)}`).join(', ')}.

| start | wrangler ready | first 200 from /health | cold request |
| --- | --- | --- | --- |
${r.starts.map((s, i) => `| ${i + 1} | ${ms(s.readyMs)} | ${ms(s.firstHealthMs)} | ${ms(s.coldRequestMs)} |`).join('\n')}

- Warm \`/health\` (one database query), ${r.warmMs.length} sequential requests: median ${median(r.warmMs).toFixed(1)} ms.
- Most of the start is wrangler itself (Node start-up, esbuild bundling, workerd launch); on
  Cloudflare a cold start is the cold request alone.`;
}
