import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SURVIVOR_REASONS } from '../../core/use-cases/record-survivor-kill.js';

/** One command started on a host: enough to find and kill what it left behind. */
export interface RunRecord {
  readonly marker: string;
  readonly pgid: number | null;
  /** Whose run it was (a task id), for the audit of a kill; null when the caller named none. */
  readonly owner: string | null;
  /** Set once the run is a suspect: why its processes may have outlived it. */
  readonly reason?: SuspectReason | undefined;
}

export type SuspectReason = (typeof SURVIVOR_REASONS)[number];

const recordSchema = z.object({
  marker: z.string().regex(/^[0-9a-f]{16,64}$/),
  pgid: z.number().int().positive().nullable(),
  owner: z.string().max(200).nullable(),
  reason: z.enum(SURVIVOR_REASONS).optional(),
});
const fileSchema = z.object({ runs: z.array(recordSchema).max(10_000) });

/**
 * The runs on one host that may still have processes there: the ones running now, and the ones
 * whose end could not be confirmed (the connection dropped, or a kill did not verify). With a
 * file, it survives a runner restart: whatever was listed then is a suspect at the next start.
 */
export interface RunLedger {
  started(record: RunRecord): void;
  pgidKnown(marker: string, pgid: number): void;
  /** The run is over and nothing of it is left: forget it. */
  ended(marker: string): void;
  /** The run is over but its processes may live on: reap them before the host runs more. */
  suspect(marker: string, reason: SuspectReason): void;
  suspects(): readonly RunRecord[];
}

export function createRunLedger(file?: string): RunLedger {
  const running = new Map<string, RunRecord>();
  const suspects = new Map<string, RunRecord>();
  if (file) {
    for (const r of load(file))
      suspects.set(r.marker, { ...r, reason: r.reason ?? 'runner_restarted' });
  }
  // Written on every change (a few hundred bytes, no fsync): a crash loses at most the last one.
  const save = () => {
    if (!file) return;
    const runs = [...running.values(), ...suspects.values()];
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify({ runs }), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  save();
  return {
    // Not saved until its pgid is known (a moment later): one write fewer on every run.
    started(record) {
      running.set(record.marker, record);
    },
    pgidKnown(marker, pgid) {
      const r = running.get(marker) ?? suspects.get(marker);
      if (!r) return;
      (running.has(marker) ? running : suspects).set(marker, { ...r, pgid });
      save();
    },
    ended(marker) {
      const r = running.get(marker);
      if (running.delete(marker)) {
        if (r?.pgid !== null) save(); // a run without a pgid was never written
      } else if (suspects.delete(marker)) save();
    },
    suspect(marker, reason) {
      const r = running.get(marker);
      if (!r) return;
      running.delete(marker);
      suspects.set(marker, { ...r, reason });
      save();
    },
    suspects: () => [...suspects.values()],
  };
}

function load(file: string): RunRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  try {
    return fileSchema.parse(JSON.parse(text)).runs;
  } catch {
    // A damaged ledger names nothing safely; starting empty is what the runner did before it.
    return [];
  }
}
