// Brings posts_db's indexes in line with the policy (indexes.ts) on whichever
// MongoDB-protocol server runs: the wire protocol's indexes, and on FerretDB
// the GIN indexes of its PostgreSQL tables (FERRETDB_POSTGRES_URL, naming
// this service's role; its password is MONGODB_PASSWORD's). Declared
// as this service's setup in mesh.json; `stack/mesh up` runs it once the
// services are ready. Idempotent: a second run changes nothing.
import { loadConfigOrExit, mongodbLoginUrl, withPassword } from '@feedmesh/common';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { z } from 'zod';
import { configSchema } from './config.js';
import { ensureFerretdbIndexes, ensureIndexes, isFerretdb } from './indexes.js';

const NAME = 'posts-service setup';
const config = loadConfigOrExit(
  NAME,
  configSchema
    .pick({ MONGODB_URL: true, MONGODB_PASSWORD: true, MONGODB_DB: true })
    .extend({ FERRETDB_POSTGRES_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional() }),
);

const mongo = new MongoClient(mongodbLoginUrl(config.MONGODB_URL, config.MONGODB_PASSWORD), {
  serverSelectionTimeoutMS: 10_000,
  appName: NAME,
});
try {
  const db = mongo.db(config.MONGODB_DB);
  await ensureIndexes(db);
  if (await isFerretdb(db)) {
    if (!config.FERRETDB_POSTGRES_URL) throw new Error('FerretDB needs FERRETDB_POSTGRES_URL for its GIN indexes');
    // The tables are this service's role's (FerretDB made them as it), so only it may index them: the same
    // login as above, straight to PostgreSQL.
    const client = new pg.Client({
      connectionString: withPassword(config.FERRETDB_POSTGRES_URL, config.MONGODB_PASSWORD),
    });
    await client.connect();
    try {
      const { created, dropped } = await ensureFerretdbIndexes(client, db.databaseName);
      for (const name of created) process.stderr.write(`${NAME}: created GIN index ${name}\n`);
      for (const name of dropped) process.stderr.write(`${NAME}: dropped GIN index ${name}\n`);
    } finally {
      await client.end();
    }
  }
} finally {
  await mongo.close();
}
