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
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const members: number[] = [];
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parens, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(pid));
  }
  return members;
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
