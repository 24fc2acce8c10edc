import { fileURLToPath } from 'node:url';

/** This service's SQL migrations and their history table: for its start and for its tests alike. */
export const MIGRATIONS = {
  dir: fileURLToPath(new URL('../migrations', import.meta.url)),
  table: 'profile_migrations',
};
