import { spawn, type ChildProcess } from 'node:child_process';
import { instanceId, serviceManifest } from '@feedmesh/common';
import { consulServiceToken, repoDir, serviceEnv } from './stack.js';

export interface SpawnedService {
  name: string;
  port: number;
  /** The Consul id it registers under (what common's registration derives from name, address and port). */
  id: string;
  /** Where it serves, and where Traefik balances to once it is routed. */
  url: string;
  proc: ChildProcess;
  /** What it has printed so far, stdout and stderr together. */
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts one more instance of a built service (`<name>/dist/index.js`) as a
 * child process, beside the supervised ones, reaching every store of the
 * stack; `env` adds to or overrides its environment.
 */
export function spawnService(name: string, port: number, env: Record<string, string> = {}): SpawnedService {
  serviceManifest(name);
  let output = '';
  const token = consulServiceToken(name);
  const proc = spawn(process.execPath, [`${repoDir}${name}/dist/index.js`], {
    env: {
      PATH: process.env.PATH ?? '',
      ...serviceEnv(),
      // Its own Consul token, as the supervised instances have: it may register its name only.
      ...(token ? { CONSUL_TOKEN: token } : {}),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d) => (output += String(d)));
  proc.stderr?.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const address = '127.0.0.1';
  return {
    name,
    port,
    id: instanceId(name, address, port),
    url: `http://${address}:${port}`,
    proc,
    output: () => output,
    exited,
  };
}
