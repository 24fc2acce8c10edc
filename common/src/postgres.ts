import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { Logger } from './logger.js';

/**
 * Applies a service's pending SQL migrations (files in `dir`, tracked in its
 * own `table`). node-pg-migrate holds a PostgreSQL advisory lock for the run
 * and, in `wait` mode, a second instance starting at the same moment blocks
 * on it and then finds nothing left to do.
 */
export async function migrate(opts: {
  databaseUrl: string;
  dir: string;
  table: string;
  logger: Logger;
}): Promise<string[]> {
  const log = opts.logger.child({ component: 'migrate' });
  const applied = await runner({
    databaseUrl: opts.databaseUrl,
    dir: opts.dir,
    migrationsTable: opts.table,
    direction: 'up',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    logger: {
      debug: () => undefined,
      info: (m: string) => log.debug(m),
      warn: (m: string) => log.warn(m),
      error: (m: string) => log.error(m),
    },
  });
  const names = applied.map((m) => m.name);
  if (names.length) log.info({ applied: names }, 'migrations applied');
  return names;
}

/**
 * A service's PostgreSQL: its migrations applied (see `migrate`), then a
 * pool whose lost idle connections are logged instead of killing the process
 * (pg emits them as 'error' events).
 */
export async function openPostgres(opts: {
  url: string;
  logger: Logger;
  migrations: { dir: string; table: string };
  max?: number;
}): Promise<pg.Pool> {
  await migrate({ databaseUrl: opts.url, ...opts.migrations, logger: opts.logger });
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.max ?? 10 });
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'postgres connection lost'));
  return pool;
}

/** SQL selecting a timestamptz column as ISO 8601 in UTC with milliseconds, under its own name. */
export const isoColumn = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;
