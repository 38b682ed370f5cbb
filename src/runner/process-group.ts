import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_KILL_GRACE_MS = 2_000;
const POLL_MS = 25;

/**
 * Live (non-zombie) processes of a group, from /proc. A killed process whose parent has not
 * reaped it yet is a zombie: dead, holding nothing, and not an orphan to worry about — but
 * `kill(-pgid, 0)` still counts it, so /proc is read where there is one.
 */
export function liveGroupMembers(pgid: number): number[] | null {
  const table = readProcTable();
  return table && table.filter((p) => p.pgrp === pgid && p.live).map((p) => p.pid);
}

/** True while any live process of the group exists. */
export function groupAlive(pgid: number): boolean {
  const members = liveGroupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += POLL_MS) {
    if (!groupAlive(pgid)) return true;
    await sleep(POLL_MS);
  }
  return !groupAlive(pgid);
}

/**
 * TERM the whole group, give it `graceMs` to exit, then KILL, then verify nothing is left.
 * Resolves true when the group is gone (the caller reports an orphan otherwise).
 */
export async function killGroup(pgid: number, graceMs = DEFAULT_KILL_GRACE_MS): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return true;
  signalGroup(pgid, 'SIGKILL');
  return waitGone(pgid, 1_000);
}

interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  readonly live: boolean;
  /** Start time in clock ticks since boot. */
  readonly start: number;
}

function readProcTable(): ProcEntry[] | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const table: ProcEntry[] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parens, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const [state, ppid, pgrp, session] = fields;
      table.push({
        start: Number(fields[19]),
        pid: Number(pid),
        ppid: Number(ppid),
        pgrp: Number(pgrp),
        session: Number(session),
        live: state !== 'Z' && state !== 'X',
      });
    } catch {
      // exited while we looked
    }
  }
  return table;
}

function carriesMarker(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry);
  } catch {
    return false; // gone, or not ours to read (and so not ours to kill)
  }
}

/** When a process started (clock ticks since boot), or 0 when unknown. */
export function startTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) || 0;
  } catch {
    return 0;
  }
}

/**
 * Live processes of one run: its process group and session (the child is a session leader),
 * every process whose environment carries the run's marker (those that called setsid), and
 * their descendants. Only processes started since the run (`bornAfter`, in ticks) are read for
 * the marker, which keeps a scan as cheap as the group check. Null without /proc.
 */
export function liveRunMembers(pgid: number, markerEntry: string, bornAfter = 0): number[] | null {
  const table = readProcTable();
  if (!table) return null;
  const hit = new Set<number>();
  for (const p of table) {
    const marked = p.start >= bornAfter && carriesMarker(p.pid, markerEntry);
    if (p.pgrp === pgid || p.session === pgid || marked) hit.add(p.pid);
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const p of table) {
      if (!hit.has(p.pid) && hit.has(p.ppid)) {
        hit.add(p.pid);
        grew = true;
      }
    }
  }
  return table.filter((p) => p.live && hit.has(p.pid) && p.pid !== process.pid).map((p) => p.pid);
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * killGroup for everything of a run (see liveRunMembers): TERM, grace, KILL, verify. Where
 * there is no /proc it falls back to the group alone.
 */
export async function killRun(
  pgid: number,
  markerEntry: string,
  graceMs = DEFAULT_KILL_GRACE_MS,
  bornAfter = 0,
): Promise<boolean> {
  const members = () => liveRunMembers(pgid, markerEntry, bornAfter);
  const first = members();
  if (!first) return killGroup(pgid, graceMs);
  if (first.length === 0) return true;
  signalAll(first, 'SIGTERM');
  signalAll(first, 'SIGCONT');
  for (let waited = 0; waited < graceMs; waited += POLL_MS) {
    await sleep(POLL_MS);
    if (members()?.length === 0) return true;
  }
  for (let waited = 0; waited < 1_000; waited += POLL_MS) {
    const left = members() ?? [];
    if (left.length === 0) return true;
    signalAll(left, 'SIGKILL');
    await sleep(POLL_MS);
  }
  return members()?.length === 0;
}
