import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifest } from '@feedmesh/common';
import { mesh, repoDir, supervisedProcesses } from '@feedmesh/testkit';

// Issue 13, finding 5: every component ran as root, so any one of them
// compromised was root, and read every other's keys. Each supervised program
// now runs as a system user of its own, which reads its own secret files only.
const run = promisify(execFile);
const runDir = `${repoDir}.run`;

/** The uid a user name stands for, from the passwd database. */
async function uidOf(user: string): Promise<number> {
  const { stdout } = await run('id', ['-u', user]);
  return Number(stdout.trim());
}

/** Real, effective, saved and filesystem uid of a process; undefined once it is gone. */
function uids(pid: number): number[] | undefined {
  try {
    const line = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
    return line.trim().split(/\s+/).map(Number);
  } catch {
    return undefined;
  }
}

/** Runs a command as a user; its exit code and error output, whatever they are. */
async function asUser(user: string, ...command: string[]) {
  try {
    await run('runuser', ['-u', user, '--', ...command]);
    return { code: 0, stderr: '' };
  } catch (err) {
    const { code, stderr } = err as { code?: number; stderr?: string };
    return { code: code ?? -1, stderr: stderr ?? '' };
  }
}

let users = new Map<string, string>(); // program → its user, as stack/mesh makes them
beforeAll(async () => {
  const { stdout } = await mesh('users');
  users = new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t') as [string, string]),
  );
});

describe('the processes of the native stack', () => {
  it('run as a user other than root, each program as its own, PostgreSQL as postgres', async () => {
    expect([...users.keys()]).toEqual(expect.arrayContaining(Object.keys(manifest.services)));
    expect(users.get('postgres')).toBe('postgres');
    expect(new Set(users.values()).size, 'one user per program').toBe(users.size);
    const trees = supervisedProcesses();
    expect([...trees.keys()].sort()).toEqual([...users.keys()].sort());
    const wrong: string[] = [];
    for (const [program, pids] of trees) {
      const uid = await uidOf(users.get(program)!);
      expect(uid, program).not.toBe(0);
      // Every descendant too: PostgreSQL's backends, a JVM under its start script.
      for (const pid of pids) {
        const ids = uids(pid);
        if (ids && ids.some((id) => id !== uid))
          wrong.push(`${program}: pid ${pid} has uids ${ids.join(' ')}, not ${uid}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

/** A process's effective, permitted and ambient capability sets, as /proc shows them (hex); undefined once gone. */
function capabilities(pid: number): string[] | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return ['CapEff', 'CapPrm', 'CapAmb'].map((set) => new RegExp(`^${set}:\\s+(\\S+)$`, 'm').exec(status)?.[1] ?? '');
  } catch {
    return undefined;
  }
}

describe('capabilities', () => {
  // CAP_NET_BIND_SERVICE is bit 10: the gateway's port may be below 1024.
  const NET_BIND_SERVICE = (1n << 10n).toString(16).padStart(16, '0');

  it('are none, but the gateway binding a low port: Traefik holds CAP_NET_BIND_SERVICE alone', () => {
    const wrong: string[] = [];
    for (const [program, pids] of supervisedProcesses()) {
      const want = program === 'traefik' ? NET_BIND_SERVICE : '0'.repeat(16);
      for (const pid of pids) {
        const caps = capabilities(pid);
        if (caps && caps.some((set) => set !== want)) wrong.push(`${program}: pid ${pid} has ${caps.join(' ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('secret files', () => {
  const secrets = () => readdirSync(`${runDir}/secrets`).map((name) => join(`${runDir}/secrets`, name));

  it("are readable by their one consumer and refused to every other component's user", async () => {
    const byUid = new Map<number, string>();
    for (const user of users.values()) byUid.set(await uidOf(user), user);
    const wrong: string[] = [];
    for (const file of secrets()) {
      const owner = byUid.get(statSync(file).uid);
      if (owner) {
        const own = await asUser(owner, 'cat', file);
        if (own.code !== 0) wrong.push(`${owner} cannot read its own ${file}: ${own.stderr}`);
      }
      for (const user of users.values()) {
        if (user === owner) continue;
        const other = await asUser(user, 'cat', file);
        if (other.code === 0 || !other.stderr.includes('Permission denied')) wrong.push(`${user} reads ${file}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("keep auth-service's signing key from posts-service's user", async () => {
    const key = `${runDir}/secrets/IDENTITY_SIGNING_KEY`;
    expect((await asUser(users.get('auth-service')!, 'cat', key)).code).toBe(0);
    const refused = await asUser(users.get('posts-service')!, 'cat', key);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Permission denied');
  });
});

describe('the secrets and conf directories', () => {
  it("cannot be listed by a service's user, though each opens its own files by path", async () => {
    for (const service of Object.keys(manifest.services)) {
      for (const dir of ['secrets', 'conf']) {
        const listing = await asUser(users.get(service)!, 'ls', `${runDir}/${dir}`);
        expect(listing.code, `${service} lists ${dir}`).not.toBe(0);
        expect(listing.stderr).toContain('Permission denied');
      }
    }
  });
});
