import { readFileSync, writeFileSync } from 'node:fs';

/** A process's memory as the kernel counts it, in MiB: for this process, or another by pid. */
export type Pid = number | 'self';

/** VmRSS and VmHWM (the peak RSS since start or the last reset); null where /proc lacks them. */
export function procMemoryMiB(pid: Pid = 'self'): { rss: number; hwm: number } | null {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  const rss = kib('VmRSS');
  const hwm = kib('VmHWM');
  return Number.isFinite(rss) && Number.isFinite(hwm) ? { rss: rss / 1024, hwm: hwm / 1024 } : null;
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0). */
export function resetHwm(pid: Pid = 'self'): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
