// The Worker gateway under `wrangler` (workerd, local mode, offline): build it like a deploy
// would, seed its local D1 database, and run `wrangler dev` on 127.0.0.1.
//
//   const w = await startWranglerDev({ dir, vars: { SWITCHBOARD_ADMIN_TOKEN: '…' } });
//   await fetch(`${w.url}/health`);
//   await w.stop();
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './switchboard-process.js';

const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');

/** No telemetry, no update check, no prompts: the suite runs offline. */
const wranglerEnv = (dir: string) => ({
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? dir,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_LOG_PATH: join(dir, 'wrangler-logs'),
  CI: '1',
  NO_COLOR: '1',
});

/** Runs a wrangler command to its end; rejects with its output when it fails. */
export function runWrangler(args: string[], dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: wranglerEnv(dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`wrangler ${args[0]} exited ${code}:\n${out}`)),
    );
  });
}

/** Every committed migration, in order, as one SQL script (the files wrangler's D1 reads). */
export function migrationsSql(): string {
  const dir = join(ROOT, 'src/db/migrations');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** `.env` syntax for --env-file: single quotes keep JSON and YAML flow text literal. */
const envFile = (vars: Record<string, string>) =>
  Object.entries(vars)
    .map(([k, v]) => {
      if (v.includes("'") || v.includes('\n')) throw new Error(`${k}: no quotes or newlines`);
      return `${k}='${v}'`;
    })
    .join('\n');

export interface WranglerDev {
  readonly url: string;
  readonly pid: number;
  /** From spawn to the "Ready" line, and to the first 200 from /health. */
  readonly readyMs: number;
  readonly firstHealthMs: number;
  /** The first /health that answered 200: a new isolate parses its config and builds the app. */
  readonly coldRequestMs: number;
  output(): string;
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  /** Scratch dir: the local D1 state (--persist-to), the env file, wrangler's logs. */
  readonly dir: string;
  readonly vars: Record<string, string>;
  readonly timeoutMs?: number;
}

/**
 * The local D1 database `wrangler dev` will use in `dir`: every migration, then `seedSql`.
 * (`wrangler d1 migrations apply --local` reads the same files but takes three times as long.)
 */
export async function prepareD1(dir: string, seedSql = ''): Promise<void> {
  const sqlFile = join(dir, 'seed.sql');
  writeFileSync(sqlFile, `${migrationsSql()}\n${seedSql}`);
  await runWrangler(
    ['d1', 'execute', 'DB', '--local', '--persist-to', join(dir, 'state'), '--file', sqlFile],
    dir,
  );
}

/**
 * Starts `wrangler dev --local` on a free loopback port, its D1 state in `dir` (see
 * prepareD1). The process group (wrangler and its workerd) is killed by its pid.
 */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const { dir } = options;
  const persist = join(dir, 'state');
  const vars = join(dir, 'worker.env');
  writeFileSync(vars, envFile(options.vars));
  const started = performance.now();
  const proc = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      '0',
      '--inspector-ip',
      '127.0.0.1',
      '--inspector-port',
      '0',
      '--persist-to',
      persist,
      '--env-file',
      vars,
      '--test-scheduled',
      '--show-interactive-dev-session=false',
    ],
    { cwd: ROOT, env: wranglerEnv(dir), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const pid = proc.pid;
  if (pid === undefined) throw new Error('wrangler dev did not start');
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      // The group: wrangler and the workerd it started.
      killGroup('SIGTERM');
      const killed = setTimeout(() => killGroup('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killed);
    }
    // workerd may outlive wrangler by a moment: nothing of the group is left running.
    killGroup('SIGKILL');
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`wrangler dev not ready:\n${out}`)),
        options.timeoutMs ?? 45_000,
      );
      const check = () => {
        const m = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      proc.stdout.on('data', (d: Buffer) => ((out += d.toString()), check()));
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited before it was ready:\n${out}`));
      });
    });
    const readyMs = performance.now() - started;
    let coldRequestMs = 0;
    for (;;) {
      const sent = performance.now();
      const res = await fetch(`${url}/health`).catch(() => null);
      coldRequestMs = performance.now() - sent;
      if (res?.status === 200) break;
      if (performance.now() - started > (options.timeoutMs ?? 45_000)) {
        throw new Error(`/health never answered 200 (last ${res?.status}):\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const firstHealthMs = performance.now() - started;
    return { url, pid, readyMs, firstHealthMs, coldRequestMs, output: () => out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface WorkerBuild {
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Every file esbuild put into the bundle (paths relative to the repo). */
  readonly inputs: readonly string[];
  /** Modules the bundle imports at run time instead of containing (e.g. node:*). */
  readonly externals: readonly string[];
  readonly code: string;
  /** Bytes each input contributes to the output, largest first. */
  readonly contributions: readonly { readonly input: string; readonly bytes: number }[];
}

/** `wrangler deploy --dry-run`: the bundle a deploy would upload, and what went into it. */
export async function buildWorker(dir: string): Promise<WorkerBuild> {
  const outdir = join(dir, 'bundle');
  const log = await runWrangler(
    ['deploy', '--dry-run', '--outdir', outdir, '--metafile', join(outdir, 'meta.json')],
    dir,
  );
  const code = readFileSync(join(outdir, 'worker.js'), 'utf8');
  const meta = JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
    outputs: Record<
      string,
      {
        imports?: { path: string; external?: boolean }[];
        inputs?: Record<string, { bytesInOutput: number }>;
      }
    >;
  };
  const { gzipSync } = await import('node:zlib');
  const m = /Total Upload: [\d.]+ KiB \/ gzip: ([\d.]+) KiB/.exec(log);
  return {
    bytes: Buffer.byteLength(code),
    // Wrangler's own figure when it prints one (what Cloudflare counts), else ours.
    gzipBytes: m?.[1] ? Math.round(Number(m[1]) * 1024) : gzipSync(code).length,
    inputs: Object.keys(meta.inputs),
    externals: Object.values(meta.outputs).flatMap((o) =>
      (o.imports ?? []).filter((i) => i.external).map((i) => i.path),
    ),
    code,
    contributions: Object.values(meta.outputs)
      .flatMap((o) => Object.entries(o.inputs ?? {}))
      .map(([input, v]) => ({ input, bytes: v.bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes),
  };
}
