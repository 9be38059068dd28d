import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit on the one SQLite connection: the writes of the hot paths (claim a code, complete a login, rotate a
 * session) queued within one turn of the event loop run synchronously in one `BEGIN IMMEDIATE … COMMIT`. A commit
 * is the costly part of a short write (the WAL frames of every page it touched, and now and then a checkpoint): N
 * logins arriving together pay for one. No job's promise settles before the COMMIT, so a caller that goes on (calls
 * WeChat after its claim) does so on a durable row, as with a transaction of its own.
 *
 * When a job throws, the group is rolled back and each of its jobs runs again in a transaction of its own, so one
 * failure fails only its own caller. That costs nothing on the usual path, where a savepoint per job would cost two
 * statements each (measured).
 *
 * The connection is shared with Kysely, whose transactions hold it across awaits. A group never runs inside one of
 * them: while one is open, the group waits for Kysely's connection mutex and runs as soon as that transaction ended.
 */
export class GroupCommit {
  readonly #database: BetterSqlite3.Database;
  readonly #kysely: Kysely<Database>;
  #queue: Job[] = [];
  #scheduled = false;
  readonly #begin: BetterSqlite3.Statement;
  readonly #commit: BetterSqlite3.Statement;
  readonly #rollback: BetterSqlite3.Statement;
  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#database.inTransaction) {
      void this.#kysely.connection().execute(async () => this.#run());
      return;
    }
    this.#run();
  };

  constructor(database: BetterSqlite3.Database, kysely: Kysely<Database>) {
    this.#database = database;
    this.#kysely = kysely;
    this.#begin = database.prepare('BEGIN IMMEDIATE');
    this.#commit = database.prepare('COMMIT');
    this.#rollback = database.prepare('ROLLBACK');
  }

  /**
   * Runs `work` synchronously inside the next group transaction and answers its result once that transaction
   * committed. `work` may run twice (alone, after another job of its group threw), so it must have no effect outside
   * the database. A throw fails this job only.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the poll phase: every request whose body arrived in this turn has queued its write by then.
        setImmediate(this.#flush);
      }
    });
  }

  /**
   * Runs a read now when no Kysely transaction holds the connection (a read inside it would see that
   * transaction's uncommitted rows), else once it ended.
   */
  read<T>(work: () => T): Promise<T> {
    if (!this.#database.inTransaction) {
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#kysely.connection().execute(async () => work());
  }

  #run(): void {
    const jobs = this.#queue;
    this.#queue = [];
    if (jobs.length === 0) return;
    if (jobs.length > 1) {
      const values = this.#together(jobs);
      if (values !== undefined) {
        for (let i = 0; i < jobs.length; i++) jobs[i]!.resolve(values[i]);
        return;
      }
    }
    for (const job of jobs) this.#alone(job);
  }

  /** All jobs in one transaction: their results once it committed, or undefined (rolled back) when one threw. */
  #together(jobs: Job[]): unknown[] | undefined {
    try {
      this.#begin.run();
    } catch {
      return undefined;
    }
    const values: unknown[] = [];
    try {
      for (const job of jobs) values.push(job.work());
      this.#commit.run();
      return values;
    } catch {
      // Some errors (disk full, I/O) make SQLite roll back by itself: then there is nothing left to roll back.
      if (this.#database.inTransaction) this.#rollback.run();
      return undefined;
    }
  }

  #alone(job: Job): void {
    try {
      this.#begin.run();
      const value = job.work();
      this.#commit.run();
      job.resolve(value);
    } catch (error) {
      if (this.#database.inTransaction) this.#rollback.run();
      job.reject(error);
    }
  }
}
