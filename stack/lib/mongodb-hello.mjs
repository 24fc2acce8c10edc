// Readiness probe for the MongoDB-protocol server: exits 0 once `hello` and
// `ping` answer (FerretDB answers hello before its storage is reachable; ping checks it).
// Usage: node stack/lib/mongodb-hello.mjs mongodb://127.0.0.1:27017/
import { MongoClient } from 'mongodb';

const client = new MongoClient(process.argv[2], { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 });
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
