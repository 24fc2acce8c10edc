// A second posts-service of the scenario's own, beside the supervised one:
// it registers in Consul like any instance, and the scenario kills it.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, instanceId } from '@feedmesh/common';
import { env } from '@feedmesh/bench/setup';
import { addr, repo } from './mesh.js';

export interface Spawned {
  proc: ChildProcess;
  /** The Consul id it registers under (what common's registration derives from host, address and port). */
  id: string;
  /** The server URL Traefik balances to. */
  url: string;
}

export async function spawnPostsService(): Promise<Spawned> {
  const port = await freePort();
  const proc = spawn(process.execPath, [`${repo}posts-service/dist/index.js`], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      SERVICE_ADDRESS: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      CONSUL_URL: addr.consul,
      MONGODB_URL: addr.mongodb,
      KAFKA_BROKERS: addr.kafka,
      IDENTITY_ASSERTION_KEY: env('IDENTITY_ASSERTION_KEY'),
    },
    stdio: 'ignore',
  });
  return { proc, id: instanceId('posts-service', '127.0.0.1', port), url: `http://127.0.0.1:${port}` };
}
