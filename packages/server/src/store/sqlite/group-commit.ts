import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

interface Job {
  work: () => unknown;
  /** Several statements that must stand or fall together: run inside a savepoint of the shared transaction. */
  atomic: boolean;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  /** Set once `work` ran; handed out only after the COMMIT. */
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

/**
 * Group commit on the one SQLite connection: the writes of the hot paths (claim a code, complete a login, rotate a
 * session) queued within one turn of the event loop run synchronously in one `BEGIN IMMEDIATE … COMMIT`, each in its
 * own savepoint when it writes more than once. A commit is the costly part of a short write (the WAL frames of every
 * page it touched, and now and then a checkpoint): N logins arriving together pay for one. No job's promise settles
 * before the COMMIT, so a caller that goes on (calls WeChat after its claim) does so on a durable row, as with a
 * transaction of its own.
 *
 * The connection is shared with Kysely, whose transactions hold it across awaits. A batch never runs inside one of
 * them: while one is open, the batch waits for Kysely's connection mutex and runs as soon as that transaction ended.
 */
export class GroupCommit {
  readonly #database: BetterSqlite3.Database;
  readonly #kysely: Kysely<Database>;
  #queue: Job[] = [];
  #scheduled = false;
  readonly #begin: BetterSqlite3.Statement;
  readonly #commit: BetterSqlite3.Statement;
  readonly #savepoint: BetterSqlite3.Statement;
  readonly #release: BetterSqlite3.Statement;
  readonly #rollbackTo: BetterSqlite3.Statement;
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
    this.#savepoint = database.prepare('SAVEPOINT job');
    this.#release = database.prepare('RELEASE job');
    this.#rollbackTo = database.prepare('ROLLBACK TO job');
  }

  /**
   * Runs `work` synchronously inside the next group transaction and answers its result once that transaction
   * committed. A throw rolls back only this job's writes when `atomic` (its savepoint); a single statement is atomic
   * by itself. When the COMMIT fails, every job of the group fails with its error.
   */
  run<T>(work: () => T, atomic = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, atomic, resolve: resolve as (value: unknown) => void, reject });
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
    try {
      this.#begin.run();
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    for (const job of jobs) {
      job.outcome = this.#runJob(job);
      // Some errors (disk full, I/O) make SQLite roll back the whole transaction: what ran before is gone, and what
      // would run next would commit alone. The group fails together.
      if (!this.#database.inTransaction) {
        const error = job.outcome.ok ? new Error('the group transaction was rolled back') : job.outcome.error;
        for (const failed of jobs) failed.reject(error);
        return;
      }
    }
    try {
      this.#commit.run();
    } catch (error) {
      if (this.#database.inTransaction) this.#database.exec('ROLLBACK');
      for (const job of jobs) job.reject(error);
      return;
    }
    for (const job of jobs) {
      const outcome = job.outcome!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    }
  }

  #runJob(job: Job): NonNullable<Job['outcome']> {
    if (!job.atomic) {
      try {
        return { ok: true, value: job.work() };
      } catch (error) {
        return { ok: false, error };
      }
    }
    this.#savepoint.run();
    try {
      const value = job.work();
      this.#release.run();
      return { ok: true, value };
    } catch (error) {
      if (this.#database.inTransaction) {
        this.#rollbackTo.run();
        this.#release.run();
      }
      return { ok: false, error };
    }
  }
}
