import { describe, expect, it } from 'vitest';
import { cpuPerOperation, parseStat, parseSupervisorStatus, treeTicks, type ProcStat } from '../src/cpu.js';

/** A /proc/<pid>/stat line (proc(5)) with the fields a reading uses set, the rest as a real one has them. */
const statLine = (comm: string, ppid: number, [utime, stime, cutime, cstime]: number[], started: number) =>
  `4242 (${comm}) S ${ppid} 4242 4242 0 -1 4194560 2207 0 0 0 ${utime} ${stime} ${cutime} ${cstime} ` +
  `20 0 9 0 ${started} 1196597248 13530 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0`;

describe('parseStat', () => {
  it('reads the parent, the start time and user + system time with that of reaped children', () => {
    expect(parseStat(statLine('postgres', 1, [120, 30, 400, 50], 131310))).toEqual({
      ppid: 1,
      started: 131310,
      ticks: 600,
    });
  });

  it('finds the fields after the last parenthesis, whatever the command name holds', () => {
    expect(parseStat(statLine('a) S 9 (b', 7, [1, 2, 3, 4], 5))).toEqual({ ppid: 7, started: 5, ticks: 10 });
  });

  it('refuses what is not a stat line', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('4242 (cut) S 1 2')).toBeUndefined();
  });
});

describe('parseSupervisorStatus', () => {
  it("takes each running program's pid and leaves the others out", () => {
    const out = [
      'kafka                            RUNNING   pid 3121, uptime 0:10:02',
      'postgres                         RUNNING   pid 3001, uptime 0:10:05',
      'redis                            STOPPED   Dec 02 05:41 AM',
      'traefik                          STARTING  ',
      '',
    ].join('\n');
    expect([...parseSupervisorStatus(out)]).toEqual([
      ['kafka', 3121],
      ['postgres', 3001],
    ]);
  });
});

describe('treeTicks', () => {
  const proc = (ppid: number, ticks: number, started = 1): ProcStat => ({ ppid, started, ticks });

  it("sums each program's process tree, children and grandchildren, and nothing outside it", () => {
    const procs = new Map([
      [1, proc(0, 999)], // init: not a program's
      [10, proc(1, 100)], // postgres (postmaster)
      [11, proc(10, 5)], // a backend
      [12, proc(10, 7)], // another
      [20, proc(1, 40)], // kafka's start script
      [21, proc(20, 3000)], // the JVM
      [22, proc(21, 1)], // something the JVM started
    ]);
    const trees = treeTicks(
      procs,
      new Map([
        ['postgres', 10],
        ['kafka', 20],
      ]),
    );
    expect(Object.fromEntries([...trees].map(([name, t]) => [name, t.ticks]))).toEqual({
      postgres: 112,
      kafka: 3041,
    });
  });

  it('leaves out a program whose process is gone, and does not loop on a bad snapshot', () => {
    const procs = new Map([
      [30, proc(31, 2)],
      [31, proc(30, 3)],
    ]);
    const trees = treeTicks(
      procs,
      new Map([
        ['gone', 99],
        ['looped', 30],
      ]),
    );
    expect([...trees.keys()]).toEqual(['looped']);
    expect(trees.get('looped')?.ticks).toBe(5);
  });
});

describe('cpuPerOperation', () => {
  const before = {
    ms: { redis: 1000, kafka: 5000, traefik: 300 },
    roots: { redis: '7@1', kafka: '8@1', traefik: '9@1' },
  };

  it("divides each component's difference by the operations", () => {
    const after = { ms: { redis: 1300, kafka: 5100, traefik: 300 }, roots: before.roots };
    expect(cpuPerOperation(before, after, 200)).toEqual({ redis: 1.5, kafka: 0.5, traefik: 0 });
  });

  it('leaves out a component restarted in between or new since the first reading', () => {
    const after = {
      ms: { redis: 1300, kafka: 20, traefik: 400, consul: 50 },
      roots: { redis: '7@1', kafka: '18@900', traefik: '9@1', consul: '3@1' },
    };
    expect(cpuPerOperation(before, after, 100)).toEqual({ redis: 3, traefik: 1 });
  });

  it('refuses to divide by no operations', () => {
    expect(() => cpuPerOperation(before, before, 0)).toThrow(RangeError);
  });
});
