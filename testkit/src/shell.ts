import { execFile } from 'node:child_process';
import { repoDir } from './stack.js';

export interface ShellRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bash with these arguments from the repository root; resolves whatever the exit status. */
export function bash(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ShellRun> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      args,
      { cwd: repoDir, env: { ...process.env, ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

/**
 * `stack/mesh <args>` on this stack (the environment carries
 * FEEDMESH_PORT_OFFSET); rejects with its output when it fails.
 */
export async function mesh(...args: string[]): Promise<ShellRun> {
  const result = await bash([`${repoDir}stack/mesh`, ...args], {}, 300_000);
  if (result.code !== 0) throw new Error(`stack/mesh ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  return result;
}
