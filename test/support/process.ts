import { spawn, type ChildProcess } from 'node:child_process';
import { instanceId } from '@feedmesh/common';
import { repoDir, serviceEnv } from './stack.js';

export interface SpawnedService {
  name: string;
  port: number;
  /** The Consul id the instance registers under. */
  id: string;
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts one more instance of a built service (`<name>/dist/index.js`) as a child process. */
export function spawnService(name: string, port: number, env: Record<string, string> = {}): SpawnedService {
  let output = '';
  const proc = spawn(process.execPath, [`${repoDir}${name}/dist/index.js`], {
    env: { PATH: process.env.PATH ?? '', ...serviceEnv(), PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d) => (output += String(d)));
  proc.stderr?.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { name, port, id: instanceId(name, '127.0.0.1', port), proc, output: () => output, exited };
}
