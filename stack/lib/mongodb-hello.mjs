// Readiness probe for the MongoDB-protocol server: exits 0 once `hello` and
// `ping` answer (FerretDB answers hello before its storage is reachable; ping checks it).
// FerretDB answers `ping` to a login only (without one a client has no
// PostgreSQL role), so the probe logs in as the URL's user with the password
// in the file MONGODB_PASSWORD_FILE names, never given on the command line.
// Usage: MONGODB_PASSWORD_FILE=<file> node stack/lib/mongodb-hello.mjs mongodb://user@127.0.0.1:27017/
import { readFileSync } from 'node:fs';
import { mongodbLoginUrl } from '@feedmesh/common';
import { MongoClient } from 'mongodb';

const file = process.env.MONGODB_PASSWORD_FILE;
const password = file ? readFileSync(file, 'utf8').trim() : undefined;
const client = new MongoClient(mongodbLoginUrl(process.argv[2], password), {
  serverSelectionTimeoutMS: 1500,
  connectTimeoutMS: 1500,
});
try {
  const admin = client.db('admin');
  const hello = await admin.command({ hello: 1 });
  const ping = await admin.command({ ping: 1 });
  process.exit(hello.ok === 1 && ping.ok === 1 ? 0 : 1);
} catch (err) {
  console.error(String(err));
  process.exit(1);
} finally {
  await client.close().catch(() => {});
}
