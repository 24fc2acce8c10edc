// CPU time by component of the running stack, from /proc: what a benchmark
// divides by the operations it ran, a figure that carries from one machine
// to the next where wall-clock latencies do not.
//
// A component is a supervisord program and every process under it: its own
// user + system time (all threads, those gone included) plus that of the
// children it has reaped (cutime + cstime), so PostgreSQL's backends count
// with the postmaster whether they are still running or have exited. What a
// descendant used is lost only if it is re-parented out of the tree before
// it exits (none of the stack's programs daemonize).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './stack.js';

/** CPU milliseconds (user + system) by supervisord program name. */
export type CpuSample = Record<string, number>;

/** The fields of one `/proc/<pid>/stat` a reading needs. */
export interface ProcStat {
  ppid: number;
  /** When the process started, in ticks since boot: with the pid, which process this is (pids are reused). */
  started: number;
  /** Own CPU (every thread) plus that of the children it has reaped, in clock ticks. */
  ticks: number;
}

/** Parses one `/proc/<pid>/stat` line (proc(5)); undefined when it is not one. */
export function parseStat(text: string): ProcStat | undefined {
  // The command name is in parentheses and may hold spaces or ')': the fields start after the last one.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // From field 3 (state) on: ppid is field 4, utime..cstime 14-17, starttime 22.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const at = (field: number) => Number(fields[field - 3]);
  const ticks = at(14) + at(15) + at(16) + at(17);
  const stat = { ppid: at(4), started: at(22), ticks };
  return Object.values(stat).every(Number.isFinite) ? stat : undefined;
}

/** Each RUNNING program's pid in the output of `supervisorctl status`; the others are left out. */
export function parseSupervisorStatus(out: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+RUNNING\s+pid (\d+),/.exec(line);
    if (m) pids.set(m[1]!, Number(m[2]));
  }
  return pids;
}

/**
 * Each root's process tree in one snapshot of the process table: its pids,
 * the root first. A root that is not in the table is left out (gone).
 */
export function processTrees(procs: ReadonlyMap<number, ProcStat>, roots: ReadonlyMap<string, number>) {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of procs) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const trees = new Map<string, number[]>();
  for (const [name, rootPid] of roots) {
    if (!procs.has(rootPid)) continue;
    // Iterative, and each pid once: a deep tree cannot overflow the stack, a bad snapshot cannot loop.
    const seen = new Set<number>();
    const todo = [rootPid];
    for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      todo.push(...(children.get(pid) ?? []));
    }
    trees.set(name, [...seen]);
  }
  return trees;
}

/**
 * The ticks of each root's process tree in one snapshot of the process table.
 * A root that is not in the table is left out (gone: nothing to say of it).
 */
export function treeTicks(procs: ReadonlyMap<number, ProcStat>, roots: ReadonlyMap<string, number>) {
  const trees = new Map<string, { root: ProcStat; ticks: number }>();
  for (const [name, pids] of processTrees(procs, roots)) {
    const ticks = pids.reduce((sum, pid) => sum + (procs.get(pid)?.ticks ?? 0), 0);
    trees.set(name, { root: procs.get(pids[0]!)!, ticks });
  }
  return trees;
}

/** One reading: CPU ms by component, and which process each component's root was. */
export interface CpuReading {
  ms: CpuSample;
  /** `<pid>@<start time>` of each root: a program restarted between two readings shows as another. */
  roots: Record<string, string>;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * CPU ms used by each component between two readings. A component missing
 * from either, or whose root changed (restarted), is left out: its counters
 * started again, so a difference would mean nothing.
 */
export function cpuUsed(before: CpuReading, after: CpuReading): CpuSample {
  const used: CpuSample = {};
  for (const [name, ms] of Object.entries(after.ms)) {
    const start = before.ms[name];
    if (start === undefined || before.roots[name] !== after.roots[name] || ms < start) continue;
    used[name] = ms - start;
  }
  return used;
}

/** What `cpuUsed` gives, per operation, to three decimals. */
export function cpuPerOperation(before: CpuReading, after: CpuReading, operations: number): CpuSample {
  if (!(operations > 0)) throw new RangeError(`CPU per operation needs operations > 0, not ${operations}`);
  const used = cpuUsed(before, after);
  return Object.fromEntries(Object.entries(used).map(([name, ms]) => [name, round3(ms / operations)]));
}

/** The sum of a sample's components, to three decimals. */
export const cpuTotal = (sample: CpuSample) => round3(Object.values(sample).reduce((a, b) => a + b, 0));

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!(ticksPerSecond > 0)) throw new Error(`getconf CLK_TCK gave ${ticksPerSecond}`);
  return ticksPerSecond;
}

/** Every process on the machine, by pid. */
function allProcesses(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone since the directory was listed
    }
    const stat = parseStat(text);
    if (stat) stats.set(Number(name), stat);
  }
  return stats;
}

/** Every process of each running program of the stack's supervisord, the program's own first. */
export function supervisedProcesses(pids = supervisedPids()): Map<string, number[]> {
  return processTrees(allProcesses(), pids);
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
  return parseSupervisorStatus(out);
}

/**
 * CPU used so far by each program and everything under it: PostgreSQL's
 * backends count with the postmaster, the JVM with Kafka's start script.
 */
export function cpuByComponent(pids = supervisedPids()): CpuReading {
  if (pids.size === 0) throw new Error('no supervised program is running: is the native stack up?');
  const perTick = 1000 / clockTicks();
  const reading: CpuReading = { ms: {}, roots: {} };
  for (const [name, { root, ticks }] of treeTicks(allProcesses(), pids)) {
    reading.ms[name] = ticks * perTick;
    reading.roots[name] = `${pids.get(name)}@${root.started}`;
  }
  return reading;
}

/**
 * Runs `fn` and returns its result with the CPU ms each component spent per
 * operation meanwhile (`operations` counts them from the result), and their sum.
 */
export async function withCpu<T>(
  operations: (result: T) => number,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSample; total: number }> {
  const pids = supervisedPids();
  const before = cpuByComponent(pids);
  const result = await fn();
  const cpu = cpuPerOperation(before, cpuByComponent(pids), operations(result));
  return { result, cpu, total: cpuTotal(cpu) };
}
