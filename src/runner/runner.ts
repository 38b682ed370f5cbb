import type { Claim } from '../core/ports/job-queue.js';
import { HALTED_BY_BREAKER, haltedSummary } from '../core/spend.js';
import type { Logger } from '../core/ports/logger.js';
import {
  CHANGES_DIFF_CHARS,
  EMPTY_STAGE_RESULT,
  type StageResult,
  type StoredOutput,
} from '../core/stage.js';
import type { Task } from '../core/task.js';
import type { CompletionOutcome } from '../core/use-cases/complete-task.js';
import { InvocationRefused } from './executors/classify.js';
import type { ExecutorProfile, OutcomeClass, ParsedRun } from './executors/profile.js';
import { priceTokens, type Price } from './executors/usage-meter.js';
import { removeMcpConfig, writeMcpConfig, type AgentMcpGrant } from './mcp-config-file.js';
import { createTextStream } from './output-capture.js';
import { createOutputSpool } from './output-spool.js';
import { OutputTail } from './output-tail.js';
import type { ExecResult, Transport } from './transport.js';
import type { WorkSource } from './work-source.js';
import {
  cleanupWorktree,
  prepareWorktree,
  sweepWorktrees,
  worktreeChanges,
  worktreeHead,
} from './worktrees.js';

export interface RunnerDeps {
  readonly work: WorkSource;
  readonly log: Logger;
  /** The transport for a host name, or null when this runner cannot reach it. */
  transportFor(host: string): Transport | null;
  /** How to run this task, or a reason it cannot run here. */
  profileFor(task: Task): ExecutorProfile | { readonly unavailable: string };
  repoPath(repo: string): string | null;
  /** Repos whose task worktrees this runner sweeps (on hosts it reaches). */
  repos?(): readonly { readonly host: string; readonly path: string }[];
  /**
   * Where an agent on this task's host asks for permission (the gateway's MCP URL) and its
   * per-claim token, or why it cannot. Absent: profiles with permission prompts cannot run here.
   */
  agentMcp?(
    task: Task,
    fencingToken: number,
  ): Promise<AgentMcpGrant | { readonly unavailable: string }>;
}

export interface RunnerOptions {
  /** Tasks this runner runs at once (the original executor ran two). */
  readonly concurrency?: number;
  readonly pollMs?: number;
  readonly spoolDir: string;
  /** How often live output and streamed spend go to the core (default 2 s). */
  readonly progressEveryMs?: number;
  /** Removes clean task worktrees older than ttlMs (and, with maxBytes, over the quota). */
  readonly worktreeSweep?: {
    readonly everyMs: number;
    readonly ttlMs: number;
    readonly maxBytes: number | null;
  };
}

const TAIL_CHARS = 4_000;
/**
 * NUL bytes in output (binary files, `head -c N /dev/zero`) would cut SQLite text at the first
 * one: stored and shown text carries the visible ␀ instead. The spool file keeps the bytes.
 */
const printable = (text: string) => (text.includes('\0') ? text.replace(/\0/g, '\u2400') : text);
const tail = (text: string) => printable(text.length > TAIL_CHARS ? text.slice(-TAIL_CHARS) : text);

const COMPLETION: Partial<Record<OutcomeClass, CompletionOutcome>> = {
  succeeded: 'succeeded',
  timeout: 'timed_out',
};

function stageResult(
  result: ExecResult,
  parsed: ParsedRun,
  outputPath: string | null,
  price: Price | null,
): StageResult {
  return {
    exitCode: result.exit.kind === 'exited' ? result.exit.code : null,
    signal: result.exit.kind === 'signaled' ? result.exit.signal : null,
    errorClass: parsed.outcome === 'succeeded' ? null : parsed.outcome,
    latencyMs: result.durationMs,
    tokensIn: parsed.tokensIn,
    tokensOut: parsed.tokensOut,
    // A token-only CLI's cost comes from the executor's price table (0 without one).
    costUsd: parsed.costUsd ?? (price ? priceTokens(price, parsed.tokensIn, parsed.tokensOut) : 0),
    stdoutTail: tail(result.stdout.text),
    stderrTail: tail(result.stderr.text),
    summary: parsed.summary,
    outputPath,
    sessionId: parsed.sessionId,
    changesDiff: null,
  };
}

/** The capped output for the database; null when the command printed nothing. */
function storedOutput(result: ExecResult): StoredOutput | null {
  const { stdout, stderr } = result;
  if (stdout.totalBytes === 0 && stderr.totalBytes === 0) return null;
  return {
    stdout: printable(stdout.text),
    stderr: printable(stderr.text),
    stdoutBytes: stdout.totalBytes,
    stderrBytes: stderr.totalBytes,
    truncated: stdout.truncated || stderr.truncated,
  };
}

const PROGRESS_EVERY_MS = 2_000;
const PROGRESS_CHARS = 4_000;

/** Sends the latest output (and spend so far) at most every 2 s, and only when it changed. */
function createProgressReporter(
  deps: RunnerDeps,
  claim: Claim,
  everyMs: number,
  spent: () => number | null,
  on: { leaseLost: () => void; halt: () => void },
) {
  const started = Date.now();
  // Raw bytes, decoded only when sent: at most 4 bytes a character.
  const output = new OutputTail(4 * PROGRESS_CHARS);
  let dirty = false;
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    const tail = printable(output.text(PROGRESS_CHARS));
    void deps.work
      .progress(claim.task.id, claim.lease.fencingToken, tail, Date.now() - started, spent())
      .then((reply) => {
        if (reply === 'halt') on.halt();
        else if (!reply) on.leaseLost();
      })
      .catch(() => {
        // Live output is best effort; the result and the spool file still get everything.
      });
  }, everyMs);
  return {
    push(stream: 'stdout' | 'stderr', chunk: Buffer) {
      output.push(stream, chunk);
      dirty = true;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * The claim → execute → heartbeat → report loop. A refused heartbeat means the task was
 * cancelled, reaped or re-claimed: the work is killed and nothing is reported for it.
 */
interface InflightRun {
  readonly abort: AbortController;
  done: Promise<void>;
  readonly fencingToken: number;
  /** The work is over and its report is on the way (see taskChanged and executing()). */
  reporting: boolean;
  /** It still runs commands on the host after reporting (worktree cleanup, MCP config). */
  needsHostAfterReport: boolean;
}

export function createRunner(deps: RunnerDeps, options: RunnerOptions) {
  const concurrency = options.concurrency ?? 2;
  const pollMs = options.pollMs ?? 1_000;
  const inflight = new Map<string, InflightRun>();
  let running = false;
  let stopping = false;
  let loopDone: Promise<void> = Promise.resolve();
  let wakeUp: (() => void) | null = null;
  // Aborts a long-polling claim when the runner stops.
  const stopClaiming = new AbortController();

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function report(
    task: Task,
    claim: Claim,
    outcome: CompletionOutcome,
    result: StageResult,
    output: StoredOutput | null = null,
  ) {
    const token = claim.lease.fencingToken;
    const entry = inflight.get(task.id);
    if (entry) {
      entry.reporting = true;
      // Its slot may be free now (see executing()): the loop looks for the next task.
      wakeUp?.();
    }
    const accepted = await deps.work.complete(task.id, token, outcome, result, output);
    if (!accepted) deps.log.warn('report refused: the lease was lost', { task: task.id });
  }

  async function run(claim: Claim, entry: InflightRun): Promise<void> {
    const { task } = claim;
    const { abort } = entry;
    let leaseLost = false;
    let stopLive = () => {};
    let mcpConfig: { transport: Transport; path: string } | null = null;
    const beat = setInterval(
      () => {
        void deps.work
          .heartbeat(task.id, claim.lease.fencingToken)
          .then((alive) => {
            if (!alive) {
              leaseLost = true;
              abort.abort();
            }
          })
          .catch((e: unknown) =>
            deps.log.warn('heartbeat failed', { task: task.id, error: String(e) }),
          );
      },
      Math.max(1_000, (deps.work.leaseS * 1_000) / 3),
    );
    try {
      const profile = deps.profileFor(task);
      const transport = task.host ? deps.transportFor(task.host) : null;
      if ('unavailable' in profile || !transport) {
        const summary =
          'unavailable' in profile
            ? profile.unavailable
            : `this runner cannot reach host ${task.host}`;
        const errorClass = transport ? 'failed' : 'host_unreachable';
        return await report(task, claim, 'failed', { ...EMPTY_STAGE_RESULT, errorClass, summary });
      }
      if (profile.permissionPrompts) {
        // Refused here rather than started: an agent that cannot reach the prompt tool hangs.
        const grant = deps.agentMcp
          ? await deps.agentMcp(task, claim.lease.fencingToken)
          : { unavailable: 'permission prompts need the embedded runner of the gateway' };
        const written =
          'unavailable' in grant
            ? { ok: false as const, reason: `permission prompts: ${grant.unavailable}` }
            : await writeMcpConfig(transport, grant);
        if (!written.ok) {
          return await report(task, claim, 'failed', {
            ...EMPTY_STAGE_RESULT,
            errorClass: 'failed',
            summary: written.reason,
          });
        }
        mcpConfig = { transport, path: written.path };
        entry.needsHostAfterReport = true;
      }
      const invocation = profile.invocation({
        prompt: task.prompt,
        argv: task.argv,
        model: null,
        sessionId: task.resumeSessionId,
        mcpConfigPath: mcpConfig?.path ?? null,
      });
      const repoPath = task.repo ? deps.repoPath(task.repo) : null;
      let cwd = repoPath ?? undefined;
      // Agents edit files, so each agent task on a repo works in its own worktree and branch.
      const isolated = repoPath !== null && task.kind === 'agent';
      // A follow-up works in the worktree of the task it continues: same files, and the CLI
      // finds its session by directory (claude keeps sessions per project path).
      const worktreeOwner = task.continuesTaskId ?? task.id;
      if (isolated) {
        entry.needsHostAfterReport = true;
        const worktree = await prepareWorktree(transport, { repoPath, taskId: worktreeOwner });
        if (!worktree.ok) {
          const summary = `Could not prepare a worktree: ${worktree.reason}`;
          return await report(task, claim, 'failed', {
            ...EMPTY_STAGE_RESULT,
            errorClass: 'worktree_failed',
            summary,
          });
        }
        cwd = worktree.path;
      }
      // Where the attempt starts, so its changes can be told apart from earlier attempts'.
      const base = isolated && cwd ? await worktreeHead(transport, cwd) : null;
      const spool = createOutputSpool(options.spoolDir, task.id, claim.stage.attempt);
      const meter = profile.meter?.() ?? null;
      const meterText = meter ? createTextStream((text) => meter.push(text)) : null;
      let halted = false;
      const live = createProgressReporter(
        deps,
        claim,
        options.progressEveryMs ?? PROGRESS_EVERY_MS,
        () => meter?.costUsd() ?? null,
        {
          leaseLost: () => {
            leaseLost = true;
            abort.abort();
          },
          // The per-task breaker: the transport kills the whole process tree on abort.
          halt: () => {
            halted = true;
            abort.abort();
          },
        },
      );
      stopLive = live.stop;
      const result = await transport.exec({
        argv: invocation.argv,
        stdin: invocation.stdin ?? undefined,
        cwd,
        timeoutMs: task.timeoutS * 1_000,
        owner: task.id,
        signal: abort.signal,
        onOutput: (stream, chunk) => {
          spool.write(stream, chunk);
          if (stream === 'stdout') meterText?.write(chunk);
          live.push(stream, chunk);
        },
      });
      meterText?.end();
      live.stop();
      spool.close();
      if (leaseLost) return;
      if (halted) {
        const parsed = profile.parse(result);
        const costUsd = Math.max(meter?.costUsd() ?? 0, parsed.costUsd ?? 0);
        return await report(task, claim, 'failed', {
          ...stageResult(result, parsed, spool.path, profile.price ?? null),
          errorClass: HALTED_BY_BREAKER,
          summary: haltedSummary(costUsd),
          costUsd,
        });
      }
      if (result.failure === 'cancelled' && stopping) {
        return await report(task, claim, 'failed', {
          ...EMPTY_STAGE_RESULT,
          errorClass: 'runner_stopped',
          summary: 'The runner stopped (shutdown) while this task ran; its processes were killed.',
          latencyMs: result.durationMs,
          outputPath: spool.path,
        });
      }
      if (result.failure === 'cancelled') return;
      const parsed = profile.parse(result);
      const outcome = COMPLETION[parsed.outcome] ?? 'failed';
      const changesDiff =
        base && cwd
          ? await worktreeChanges(transport, { path: cwd, base, maxChars: CHANGES_DIFF_CHARS })
          : null;
      const stage = {
        ...stageResult(result, parsed, spool.path, profile.price ?? null),
        changesDiff,
      };
      await report(task, claim, outcome, stage, storedOutput(result));
      if (isolated) {
        // Kept on failure or with uncommitted work; removed only when clean (worktrees.ts).
        const cleanup = await cleanupWorktree(transport, {
          repoPath,
          taskId: worktreeOwner,
          outcome,
        });
        deps.log.info('worktree', {
          task: task.id,
          removed: cleanup.removed,
          reason: cleanup.reason,
        });
      }
    } catch (e) {
      deps.log.error('task run failed', {
        task: task.id,
        error: e instanceof Error ? e.message : String(e),
      });
      if (!leaseLost) {
        // A refused invocation says why (its message names no secret); anything else is ours.
        const summary =
          e instanceof InvocationRefused ? e.message : 'The runner failed while running this task.';
        await report(task, claim, 'failed', {
          ...EMPTY_STAGE_RESULT,
          errorClass: 'runner_error',
          summary,
        });
      }
    } finally {
      stopLive();
      clearInterval(beat);
      if (mcpConfig) {
        const { path } = mcpConfig;
        await removeMcpConfig(mcpConfig.transport, path).catch((e: unknown) =>
          deps.log.warn('could not remove an MCP config file', {
            task: task.id,
            path,
            error: String(e),
          }),
        );
      }
    }
  }

  async function sweepWorktreesNow(): Promise<void> {
    const sweep = options.worktreeSweep;
    if (!sweep) return;
    for (const repo of deps.repos?.() ?? []) {
      const transport = deps.transportFor(repo.host);
      if (!transport) continue;
      try {
        const swept = await sweepWorktrees(transport, {
          repoPath: repo.path,
          now: new Date(),
          ttlMs: sweep.ttlMs,
          maxBytes: sweep.maxBytes ?? undefined,
          activeTaskIds: [...inflight.keys()],
        });
        if (swept.removed.length || swept.kept.length)
          deps.log.info('worktrees swept', { repo: repo.path, ...swept });
      } catch (e) {
        deps.log.warn('worktree sweep failed', {
          repo: repo.path,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }

  let sweepTimer: NodeJS.Timeout | undefined;

  /**
   * Runs that hold a slot: still working on the host. A run whose work is over and whose report
   * is on its way (a database write away) frees its slot, so the next task's claim and exec
   * overlap that write instead of waiting for it; a run with host work after its report
   * (worktree cleanup, the MCP config file) keeps it. At most `concurrency` more runs may be
   * reporting, which bounds what waiting reports hold (their capped output).
   */
  const executing = () => {
    let n = 0;
    for (const r of inflight.values()) if (!r.reporting || r.needsHostAfterReport) n++;
    return n;
  };

  // Claims asked for and not answered yet; each holds a slot until it is.
  const claims = new Set<Promise<void>>();
  // The last claim found nothing (or failed): no more claims until the poll interval passes
  // or something is queued (wake, taskChanged) or a run ends.
  let queueLooksEmpty = false;

  function startRun(claim: Claim): void {
    const id = claim.task.id;
    const entry: InflightRun = {
      abort: new AbortController(),
      done: Promise.resolve(),
      fencingToken: claim.lease.fencingToken,
      reporting: false,
      needsHostAfterReport: false,
    };
    inflight.set(id, entry);
    entry.done = run(claim, entry)
      // A failed report must not become an unhandled rejection that ends the process.
      .catch((e: unknown) => deps.log.error('task report failed', { task: id, error: String(e) }))
      .finally(() => {
        inflight.delete(id);
        wakeUp?.();
      });
  }

  async function claimAndStart(): Promise<void> {
    try {
      const claim = await deps.work.claim(stopClaiming.signal);
      // A claim that lands while stopping still runs: stop() kills it and reports it stopped,
      // rather than leaving its lease to expire.
      if (claim) startRun(claim);
      else queueLooksEmpty = true;
    } catch (e) {
      queueLooksEmpty = true;
      if (!stopClaiming.signal.aborted) {
        deps.log.error('claim failed', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  function claimOne(): void {
    const claiming = claimAndStart().finally(() => {
      claims.delete(claiming);
      wakeUp?.();
    });
    claims.add(claiming);
  }

  async function loop(): Promise<void> {
    while (running) {
      // Every free slot claims at once: on the local database those claims share one write
      // (group commit) instead of taking a turn each, which capped a busy runner's pace.
      const free = Math.min(concurrency - executing(), 2 * concurrency - inflight.size);
      if (!queueLooksEmpty) for (let i = claims.size; i < free; i++) claimOne();
      const idle = queueLooksEmpty && claims.size === 0;
      // Woken early by a claim's answer, a report starting, a run ending or something queued.
      await nap(pollMs);
      if (idle) queueLooksEmpty = false;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loopDone = loop();
      if (options.worktreeSweep) {
        sweepTimer = setInterval(() => void sweepWorktreesNow(), options.worktreeSweep.everyMs);
        sweepTimer.unref();
      }
    },
    /** Something was queued: look now instead of at the next poll. */
    wake() {
      queueLooksEmpty = false;
      wakeUp?.();
    },
    /** A task left `running` elsewhere (cancelled): kill its work now, not at the next heartbeat. */
    taskChanged(task: Task) {
      const run = inflight.get(task.id);
      // Events can arrive late: the one that announced the task as queued may come after this
      // runner claimed it. Only a move of the claim it holds (same fencing token) stops it, and
      // not the one its own report just made (aborting finished work only costs time).
      if (
        run &&
        !run.reporting &&
        task.status !== 'running' &&
        task.fencingToken >= run.fencingToken
      )
        run.abort.abort();
      if (task.status === 'queued') {
        queueLooksEmpty = false;
        wakeUp?.();
      }
    },
    /** Stops claiming, kills what is running and waits for it to end. */
    async stop() {
      running = false;
      stopping = true;
      clearInterval(sweepTimer);
      stopClaiming.abort();
      wakeUp?.();
      await loopDone;
      await Promise.allSettled([...claims]);
      for (const r of inflight.values()) r.abort.abort();
      await Promise.allSettled([...inflight.values()].map((r) => r.done));
    },
  };
}
