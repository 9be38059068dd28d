import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseConfig } from '../config/load-config.js';
import { openStore } from '../store/index.js';
import type { MigrationStatus } from '../store/types.js';
import type { CheckResult, ClockSample } from './check-result.js';
import { describeDatabase } from '../config/describe-targets.js';
import { withinDeadline } from './within-deadline.js';

/** What the database check found: reachability, the migrations, and the database's clock. */
export interface DatabaseFindings {
  database: CheckResult;
  migrations: CheckResult;
  /** Undefined when the database did not answer, or is SQLite (its clock is this machine's). */
  clock?: ClockSample;
}

/**
 * Opens the database `serve` would use, pings it, reads which migrations are applied and pending (without applying
 * any) and its clock. A SQLite file that does not exist yet is not created: it is reported instead.
 */
export function checkDatabase(config: DatabaseConfig, timeoutMs: number): Promise<DatabaseFindings> {
  const target = describeDatabase(config.databaseUrl);
  const unreachable = (reason: string): DatabaseFindings => ({
    database: {
      check: 'database',
      status: 'fail',
      summary: `cannot reach ${target}: ${reason}`,
      next: nextStepWhenUnreachable(config.databaseUrl, target),
      data: { target },
    },
    migrations: { check: 'migrations', status: 'fail', summary: 'not checked: the database did not answer' },
  });
  return withinDeadline(
    () => inspectDatabase(config, target),
    timeoutMs,
    (seconds) => unreachable(`no answer within ${seconds} s`),
    unreachable,
  );
}

async function inspectDatabase(config: DatabaseConfig, target: string): Promise<DatabaseFindings> {
  const missing = missingSqliteFile(config.databaseUrl);
  if (missing !== undefined) return reportMissingFile(missing, target, config.migrate);
  const store = await openStore(config.databaseUrl, {
    poolMax: 2,
    ...(config.dbStatementTimeoutMs > 0 ? { statementTimeoutMs: config.dbStatementTimeoutMs } : {}),
  });
  try {
    const started = performance.now();
    await store.ping();
    const pingMs = performance.now() - started;
    const status = await store.migrationStatus();
    const before = Date.now();
    const databaseNow = await store.databaseTime();
    const after = Date.now();
    const inMemory = config.databaseUrl === 'sqlite::memory:';
    const database: CheckResult = inMemory
      ? {
          check: 'database',
          status: 'warn',
          summary: `${target}: every user and session is lost when the service stops`,
          next: 'set WXLOGIN_DATABASE_URL to a file (sqlite:/var/lib/wxlogin/wxlogin.db) or a database server',
          data: { target, pingMs: round(pingMs) },
        }
      : {
          check: 'database',
          status: 'ok',
          summary: `${target} reachable (${round(pingMs)} ms)`,
          data: { target, pingMs: round(pingMs) },
        };
    return {
      database,
      migrations: judgeMigrations(status, config.migrate),
      ...(store.dialect === 'sqlite'
        ? {}
        : {
            clock: {
              source: 'database',
              offsetMs: databaseNow - (before + after) / 2,
              uncertaintyMs: (after - before) / 2,
            },
          }),
    };
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** Pending migrations are normal before a first start or an upgrade, unless `serve` is told not to apply them. */
function judgeMigrations(status: MigrationStatus, migrate: DatabaseConfig['migrate']): CheckResult {
  const { applied, pending } = status;
  const data = { applied: applied.length, pending: pending.length };
  if (pending.length === 0) {
    return { check: 'migrations', status: 'ok', summary: `${applied.length} applied, none pending`, data };
  }
  const counts = `${applied.length} applied, ${pending.length} pending`;
  if (migrate === 'off') {
    return {
      check: 'migrations',
      status: 'fail',
      summary: `${counts}, and WXLOGIN_MIGRATE=off: \`wxlogin serve\` will not apply them`,
      next: 'run `wxlogin migrate` with the same WXLOGIN_DATABASE_URL before starting this version',
      details: pending,
      data,
    };
  }
  return {
    check: 'migrations',
    status: 'warn',
    summary: `${counts}: \`wxlogin serve\` applies them at start (WXLOGIN_MIGRATE=auto)`,
    next: 'nothing to do; or run `wxlogin migrate` now, to apply them before the deploy rather than during it',
    details: pending,
    data,
  };
}

/** The path of a `sqlite:` file that does not exist yet (opening it would create it). */
function missingSqliteFile(url: string): string | undefined {
  if (!/^sqlite:/i.test(url) || url === 'sqlite::memory:') return undefined;
  const path = resolve(url.slice('sqlite:'.length));
  return existsSync(path) ? undefined : path;
}

function reportMissingFile(path: string, target: string, migrate: DatabaseConfig['migrate']): DatabaseFindings {
  // SQLite creates the file, and the store its folder: what must hold is that the nearest existing folder is writable.
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  let writable = true;
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    writable = false;
  }
  const database: CheckResult = writable
    ? {
        check: 'database',
        status: 'warn',
        summary: `${target} does not exist yet`,
        next: '`wxlogin migrate` or the first `wxlogin serve` creates it; check that WXLOGIN_DATABASE_URL names the file you mean',
        data: { target },
      }
    : {
        check: 'database',
        status: 'fail',
        summary: `${target} does not exist, and ${folder} is not writable: the service cannot create it`,
        next: 'point WXLOGIN_DATABASE_URL at a folder the service may write to (sqlite:/var/lib/wxlogin/wxlogin.db)',
        data: { target },
      };
  const migrations: CheckResult = {
    check: 'migrations',
    status: migrate === 'off' ? 'fail' : 'warn',
    summary:
      migrate === 'off'
        ? 'no database yet, and WXLOGIN_MIGRATE=off: `wxlogin serve` will not create the tables'
        : 'no database yet: every migration is pending; `wxlogin serve` applies them at start',
    next:
      migrate === 'off'
        ? 'run `wxlogin migrate` with the same WXLOGIN_DATABASE_URL first'
        : 'nothing to do; or run `wxlogin migrate` now',
  };
  return { database, migrations };
}

function nextStepWhenUnreachable(url: string, target: string): string {
  if (/^sqlite:/i.test(url)) {
    return `check WXLOGIN_DATABASE_URL (${target}): may the service read and write that file, and is it a SQLite database?`;
  }
  return `check WXLOGIN_DATABASE_URL (${target}): is the server running and listening there, are the user and password right, and may this machine connect (firewall, security group, pg_hba.conf or user grants)?`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
