/**
 * Group commit for the local client: write batches that arrive during one turn of the event
 * loop share a transaction, each inside its own SAVEPOINT.
 *
 * Why: on the machines Switchboard runs on, a COMMIT costs a dozen syscalls (WAL frame writes,
 * lock calls) whatever it carries, and a task's submit, claim and completion are each one
 * batch. Under load many batches arrive in the same turn (requests, SSH channels closing), and
 * one COMMIT for all of them halves the database's share of a task (BENCHMARKS.md, throughput).
 *
 * What each caller still gets: its batch is atomic (a failing statement rolls back its own
 * savepoint and rejects only its promise, with the same error as before), batches apply in the
 * order they were sent, and a promise resolves only after the COMMIT that made it durable.
 * The price is one hop to the end of the current turn (setImmediate) before a write starts.
 */
export interface GroupCommitSql<T> {
  /** Runs one statement; throws on failure. */
  run(sql: string): void;
  /** Runs a batch's statements in order (inside the open transaction). */
  apply(batch: T): unknown[];
  /** Whether the connection is still inside a transaction (a fatal error ends it). */
  inTransaction(): boolean;
}

interface Pending<T> {
  readonly batch: T;
  readonly resolve: (results: unknown[]) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommit<T> {
  /** Queues a write batch; resolves with its statements' results once committed. */
  write(batch: T): Promise<unknown[]>;
  /** Commits what is queued now, synchronously (before the connection closes). */
  flush(): void;
}

export function createGroupCommit<T>(sql: GroupCommitSql<T>): GroupCommit<T> {
  let queue: Pending<T>[] = [];
  let scheduled = false;

  const settle = (group: readonly Pending<T>[], outcomes: readonly Outcome[]) =>
    group.forEach((p, i) => {
      const o = outcomes[i];
      if (o?.ok) p.resolve(o.results);
      else p.reject(o?.error);
    });

  const flush = () => {
    scheduled = false;
    const group = queue;
    queue = [];
    if (group.length === 0) return;
    try {
      sql.run('BEGIN IMMEDIATE');
    } catch (error) {
      // The write lock was not free within the busy timeout: every batch gets that error.
      return group.forEach((p) => p.reject(error));
    }
    const outcomes: Outcome[] = [];
    try {
      for (const p of group) outcomes.push(applyInSavepoint(sql, p.batch));
      sql.run('COMMIT');
    } catch (error) {
      // Fatal (the transaction is gone, or COMMIT failed): nothing of the group was stored.
      try {
        if (sql.inTransaction()) sql.run('ROLLBACK');
      } catch {
        // The connection is past saving (closed, I/O error); the batches still get `error`.
      }
      return group.forEach((p) => p.reject(error));
    }
    settle(group, outcomes);
  };

  return {
    write(batch) {
      return new Promise((resolve, reject) => {
        queue.push({ batch, resolve, reject });
        if (scheduled) return;
        scheduled = true;
        setImmediate(flush);
      });
    },
    flush,
  };
}

type Outcome =
  | { readonly ok: true; readonly results: unknown[] }
  | { readonly ok: false; readonly error: unknown };

/**
 * One batch inside the group's transaction. A statement error (a constraint, a bad value)
 * undoes only this batch; an error that ended the transaction itself is rethrown as fatal.
 */
function applyInSavepoint<T>(sql: GroupCommitSql<T>, batch: T): Outcome {
  sql.run('SAVEPOINT batch');
  try {
    const results = sql.apply(batch);
    sql.run('RELEASE batch');
    return { ok: true, results };
  } catch (error) {
    if (!sql.inTransaction()) throw error;
    sql.run('ROLLBACK TO batch');
    sql.run('RELEASE batch');
    return { ok: false, error };
  }
}
