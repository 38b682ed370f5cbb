import { clip } from './text.js';

export interface TestCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export interface FileChanges {
  readonly files: number;
  readonly insertions: number | null;
  readonly deletions: number | null;
  /** A few of the paths, as the output names them. */
  readonly names: readonly string[];
}

/** What a run's output says beyond its exit status: the lines a person would look for. */
export interface OutputFacts {
  readonly tests: TestCounts | null;
  readonly changes: FileChanges | null;
  /** The total a tool states ("Found 3 errors", "✖ 3 problems (2 errors"), if any. */
  readonly errorCount: number | null;
  /** The first distinct error lines, clipped. */
  readonly errors: readonly string[];
}

export const MAX_ERROR_LINES = 3;
const MAX_NAMES = 3;

const COUNT = /(\d+)\s+(passed|passing|failed|failing|failures?|skipped|pending|ignored|todo)\b/gi;
const FAILED = new Set(['failed', 'failing', 'failure', 'failures']);
const SKIPPED = new Set(['skipped', 'pending', 'ignored', 'todo']);

function countsIn(line: string): TestCounts | null {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let any = false;
  for (const m of line.matchAll(COUNT)) {
    const n = Number(m[1]);
    const word = m[2]!.toLowerCase();
    any = true;
    if (FAILED.has(word)) failed += n;
    else if (SKIPPED.has(word)) skipped += n;
    else passed += n;
  }
  return any ? { passed, failed, skipped } : null;
}

/**
 * The runner's summary line decides: vitest "Tests  1 failed | 12 passed", jest "Tests: …",
 * pytest "== 1 failed, 12 passed in 3s ==", mocha "12 passing", cargo "test result: …".
 * vitest's "Test Files" line counts files, not tests: it only counts when nothing else does.
 */
function testCounts(lines: readonly string[]): TestCounts | null {
  let best: TestCounts | null = null;
  let files: TestCounts | null = null;
  let mocha: TestCounts | null = null;
  for (const line of lines) {
    const c = countsIn(line);
    if (!c) continue;
    if (/^\s*Test Files\b/.test(line)) files = c;
    else if (/^\s*\d+\s+(passing|failing|pending)\b/i.test(line)) {
      // mocha prints one count per line.
      const m: TestCounts = mocha ?? { passed: 0, failed: 0, skipped: 0 };
      mocha = {
        passed: m.passed + c.passed,
        failed: m.failed + c.failed,
        skipped: m.skipped + c.skipped,
      };
    } else if (/tests?\b|result|=====|\bin [\d.]+m?s\b|^\s*\d+ passed/i.test(line)) best = c;
  }
  return best ?? mocha ?? files ?? goCounts(lines);
}

/** go test: `--- PASS`/`--- FAIL` per test with -v, else one `ok`/`FAIL` line per package. */
function goCounts(lines: readonly string[]): TestCounts | null {
  let pass = 0;
  let fail = 0;
  let skip = 0;
  let okPkg = 0;
  let failPkg = 0;
  for (const l of lines) {
    if (/^\s*--- PASS:/.test(l)) pass++;
    else if (/^\s*--- FAIL:/.test(l)) fail++;
    else if (/^\s*--- SKIP:/.test(l)) skip++;
    else if (/^ok\s+\S+\s+(\(cached\)|[\d.]+s)/.test(l)) okPkg++;
    else if (/^FAIL\s+\S+\s+[\d.]+s/.test(l)) failPkg++;
  }
  if (pass + fail + skip > 0) return { passed: pass, failed: fail, skipped: skip };
  if (okPkg + failPkg > 0) return { passed: okPkg, failed: failPkg, skipped: 0 };
  return null;
}

function fileChanges(lines: readonly string[]): FileChanges | null {
  const names: string[] = [];
  const seen = new Set<string>();
  let inserted = 0;
  let deleted = 0;
  let inDiff = false;
  let stat: FileChanges | null = null;
  const add = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    if (names.length < MAX_NAMES) names.push(name);
  };
  for (const l of lines) {
    const git = /^diff --git a\/(.+) b\/(.+)$/.exec(l);
    if (git) {
      add(git[2]!);
      inDiff = true;
      continue;
    }
    const s =
      /^\s*(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?/.exec(l);
    if (s) {
      stat = {
        files: Number(s[1]),
        insertions: s[2] ? Number(s[2]) : 0,
        deletions: s[3] ? Number(s[3]) : 0,
        names,
      };
      continue;
    }
    // `git status` long form ("modified:   src/a.ts") and porcelain (" M src/a.ts", "?? b.ts").
    const status = /^\s*(?:modified|new file|deleted|renamed):\s+(\S.*)$/.exec(l);
    const porcelain = inDiff ? null : /^([ MADRCU?]{2}) (\S*[./]\S*)$/.exec(l);
    if (status) add(status[1]!.trim());
    else if (porcelain && porcelain[1] !== '  ') add(porcelain[2]!);
    if (inDiff) {
      if (l.startsWith('+') && !l.startsWith('+++')) inserted++;
      else if (l.startsWith('-') && !l.startsWith('---')) deleted++;
    }
  }
  if (stat) return { ...stat, names };
  if (seen.size === 0) return null;
  return inDiff
    ? { files: seen.size, insertions: inserted, deletions: deleted, names }
    : { files: seen.size, insertions: null, deletions: null, names };
}

const ERROR_LINE =
  /(^|\s)(error|fatal|panic|ERR!|FAIL|FAILED)(\b|:)|\berror( TS\d+)?:|^\s*[\w.$]*(Error|Exception)\b|^\s*[✗×✖]\s/;
const NOT_ERROR = /\b0 (errors?|failed)\b|^\s*(Test Files|Tests)\s|no errors?/i;

function errorLines(lines: readonly string[]): {
  lines: string[];
  total: number | null;
} {
  const found: string[] = [];
  let total: number | null = null;
  for (const l of lines) {
    const tsc = /^Found (\d+) errors?\b|^✖ \d+ problems? \((\d+) errors?/.exec(l);
    if (tsc) total = Number(tsc[1] ?? tsc[2]);
    if (!ERROR_LINE.test(l) || NOT_ERROR.test(l)) continue;
    const line = clip(l, 120);
    if (found.length < MAX_ERROR_LINES && line && !found.includes(line)) found.push(line);
  }
  return { lines: found, total };
}

/** Reads test counts, changed files and error lines out of cleaned output lines. */
export function extractFacts(lines: readonly string[]): OutputFacts {
  const errors = errorLines(lines);
  return {
    tests: testCounts(lines),
    changes: fileChanges(lines),
    errorCount: errors.total,
    errors: errors.lines,
  };
}

export const hasFacts = (f: OutputFacts): boolean =>
  f.tests !== null || f.changes !== null || f.errors.length > 0;
