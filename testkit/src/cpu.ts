// CPU time by component of the running stack, from /proc: what a benchmark
// divides by the operations it ran, a figure that carries from one machine
// to the next where wall-clock latencies do not.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './stack.js';

/** CPU milliseconds (user + system) by supervisord program name. */
export type CpuSample = Record<string, number>;

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface ProcStat {
  ppid: number;
  /** Own CPU plus that of children it has reaped, in clock ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone since the directory was listed
  }
  // The command name is in parentheses and may hold spaces or ')': the fields start after the last one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number) as [number, number, number, number];
  return { ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
}

/** Every process on the machine, by pid. */
function allProcesses(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.set(Number(name), stat);
  }
  return stats;
}

/** The pid of each running program of the stack's supervisord. */
export function supervisedPids(runDir = process.env.FEEDMESH_RUN_DIR ?? join(repoDir, '.run')): Map<string, number> {
  let out: string;
  try {
    out = execFileSync('supervisorctl', ['-c', join(runDir, 'conf', 'supervisord.conf'), 'status'], {
      encoding: 'utf8',
    });
  } catch (err) {
    // supervisorctl exits non-zero when any program is not RUNNING; what it printed is still the table.
    out = String((err as { stdout?: unknown }).stdout ?? '');
  }
  const pids = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+RUNNING\s+pid (\d+),/.exec(line);
    if (m) pids.set(m[1]!, Number(m[2]));
  }
  return pids;
}

/**
 * CPU used so far by each program and everything under it: PostgreSQL's
 * backends count with the postmaster, the JVM with Kafka's start script.
 */
export function cpuByComponent(pids = supervisedPids()): CpuSample {
  const procs = allProcesses();
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of procs) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const treeTicks = (pid: number): number =>
    (procs.get(pid)?.ticks ?? 0) + (children.get(pid) ?? []).reduce((sum, c) => sum + treeTicks(c), 0);
  const sample: CpuSample = {};
  for (const [name, pid] of pids) sample[name] = (treeTicks(pid) * 1000) / TICKS_PER_SECOND;
  return sample;
}

/** What each component used between two samples, divided by `operations`: CPU ms per operation. */
export function cpuPerOperation(before: CpuSample, after: CpuSample, operations: number): CpuSample {
  const per: CpuSample = {};
  for (const name of Object.keys(after)) {
    // New or restarted in between: its counters started again, so the difference means nothing.
    if (before[name] === undefined || after[name]! < before[name]) continue;
    per[name] = Math.round(((after[name]! - before[name]) / operations) * 1000) / 1000;
  }
  return per;
}

/** Runs `fn` and returns its result with the CPU ms each component spent per operation meanwhile. */
export async function withCpu<T>(
  operations: (result: T) => number,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSample; total: number }> {
  const pids = supervisedPids();
  const before = cpuByComponent(pids);
  const result = await fn();
  const cpu = cpuPerOperation(before, cpuByComponent(pids), operations(result));
  const total = Math.round(Object.values(cpu).reduce((a, b) => a + b, 0) * 1000) / 1000;
  return { result, cpu, total };
}
