// The shell script that ends everything one run left on a host: its process group, its session,
// every process carrying its run marker, and all their descendants. Only numbers and the hex
// marker are interpolated (both checked), so nothing here needs quoting.
import { RUN_MARKER_VAR, checkRunMarker } from './command-line.js';

export interface ReapTarget {
  /** The run's marker (RUN_MARKER_VAR in its environment). */
  readonly marker: string;
  /** The run's process group, which is also its session (sshd makes the wrapper a session leader). */
  readonly pgid: number | null;
}

export interface ReapOptions {
  /** TERM, then this long for the processes to exit, then KILL. */
  readonly graceMs: number;
  /**
   * Whether the pgid alone names the run. True while the run's channel is open (its leader
   * holds the id). After a lost connection the id may belong to someone else by now: the
   * group and session are then only reaped when a marked process still belongs to them (a
   * process group id is not reused while any member lives).
   */
  readonly trustGroup: boolean;
}

/** The first line the script prints: how many live processes of the run it found. */
export const FOUND_PREFIX = 'found ';
const TICK_S = 0.1;
const KILL_TICKS = 20;

/**
 * Exit 0 when nothing of the run is left alive, 1 when something survived KILL. The scan reads
 * /proc/<pid>/environ (Linux; only the login user's own processes are readable) and `ps`;
 * without /proc (macOS) it finds the process group and session only.
 */
export function reapCommand(target: ReapTarget, options: ReapOptions): string {
  const marker = checkRunMarker(target.marker);
  const pgid = target.pgid ?? 0;
  if (!Number.isInteger(pgid) || pgid < 0) throw new Error(`not a process group id: ${pgid}`);
  const graceTicks = Math.max(1, Math.ceil(options.graceMs / (TICK_S * 1_000)));
  // macOS ps has no `sid` column: the pgid stands in for it there.
  const ps =
    'ps -A -o pid= -o ppid= -o pgid= -o sid= -o stat= 2>/dev/null || ps -A -o pid= -o ppid= -o pgid= -o pgid= -o stat=';
  const scan = `{ grep -lsxzF ${RUN_MARKER_VAR}=${marker} /proc/[0-9]*/environ 2>/dev/null | sed -n 's#^/proc/\\([0-9]*\\)/environ$#M \\1#p'; ${ps}; }`;
  const select = [
    `awk -v g=${pgid} -v trust=${options.trustGroup ? 1 : 0} -v me=$$ '`,
    '$1 == "M" { m[$2] = 1; next }',
    '{ n++; pid[n] = $1; pp[$1] = $2; pg[$1] = $3; sid[$1] = $4; st[$1] = $5;',
    '  if (g > 1 && ($1 in m) && ($3 == g || $4 == g)) trust = 1 }',
    'END {',
    '  for (i = 1; i <= n; i++) { p = pid[i];',
    '    if ((p in m) || (trust && g > 1 && (pg[p] == g || sid[p] == g))) hit[p] = 1 }',
    '  do { c = 0; for (i = 1; i <= n; i++) { p = pid[i];',
    '    if (!(p in hit) && (pp[p] in hit)) { hit[p] = 1; c = 1 } } } while (c);',
    '  for (p in hit) if (p > 1 && p != me && st[p] !~ /^Z/) print p',
    "}'",
  ].join(' ');
  return [
    `f() { ${scan} | ${select}; }`,
    `t=$(f); set -- $t; echo "${FOUND_PREFIX}$#"; [ $# -eq 0 ] && exit 0`,
    // CONT: a stopped process only acts on TERM once it runs again.
    'kill -TERM $t 2>/dev/null; kill -CONT $t 2>/dev/null',
    `i=0; while [ $i -lt ${graceTicks} ]; do sleep ${TICK_S}; t=$(f); [ -z "$t" ] && exit 0; i=$((i+1)); done`,
    `i=0; while [ $i -lt ${KILL_TICKS} ]; do kill -KILL $t 2>/dev/null; sleep ${TICK_S}; t=$(f); [ -z "$t" ] && exit 0; i=$((i+1)); done`,
    'exit 1',
  ].join('\n');
}
