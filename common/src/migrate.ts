import { runner } from 'node-pg-migrate';
import type { Logger } from './logger.js';

/**
 * Applies a service's pending SQL migrations (files in `dir`, tracked in its
 * own `table`). node-pg-migrate holds a PostgreSQL advisory lock for the run
 * and, in `wait` mode, a second instance starting at the same moment blocks
 * on it and then finds nothing left to do.
 */
export async function migrate(opts: { databaseUrl: string; dir: string; table: string; logger: Logger }): Promise<string[]> {
  const log = opts.logger.child({ component: 'migrate' });
  const applied = await runner({
    databaseUrl: opts.databaseUrl,
    dir: opts.dir,
    migrationsTable: opts.table,
    direction: 'up',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    logger: { debug: () => undefined, info: (m: string) => log.debug(m), warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) },
  });
  const names = applied.map((m) => m.name);
  if (names.length) log.info({ applied: names }, 'migrations applied');
  return names;
}
