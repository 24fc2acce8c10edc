import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoDir } from '@feedmesh/testkit';

// Issue 13, finding 5: what the native stack writes under .run/ with
// credentials or personal data (logs carry emails, in PostgreSQL's
// duplicate-key errors) is readable by the user that runs it only.
const run = `${repoDir}.run`;
const mode = (path: string) => statSync(path).mode & 0o777;
const files = (dir: string) => readdirSync(dir).map((name) => join(dir, name));

describe('.run/', () => {
  it('keeps logs in a directory of mode 0700, conf and secrets in ones other users may only traverse (0711)', () => {
    // Each component's user opens its own files there by path (users.int.test.ts); none may list them.
    expect(mode(`${run}/logs`)).toBe(0o700);
    for (const dir of ['conf', 'secrets']) expect(mode(`${run}/${dir}`), dir).toBe(0o711);
  });

  it('writes the configuration with store users (Redis ACL) and supervisord.conf as 0600', () => {
    const conf = files(`${run}/conf`).filter((f) => statSync(f).isFile());
    expect(conf.map((f) => f.slice(run.length + 1))).toEqual(
      expect.arrayContaining(['conf/supervisord.conf', 'conf/redis-users.acl']),
    );
    for (const file of conf) expect(mode(file), file).toBe(0o600);
  });

  it('lets no other user read a log or a secret', () => {
    const logs = files(`${run}/logs`).filter((f) => statSync(f).isFile());
    expect(logs.length).toBeGreaterThan(0);
    for (const file of [...logs, ...files(`${run}/secrets`)]) expect(mode(file) & 0o077, file).toBe(0);
  });

  it("puts no secret on any running process's command line, where every local user can read it", () => {
    const secrets = files(`${run}/secrets`).map((f) => ({
      name: f.slice(run.length + 1),
      value: readFileSync(f, 'utf8').trim(),
    }));
    expect(secrets.length).toBeGreaterThan(0);
    const processes = readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid))
      .map((pid) => {
        try {
          return { pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
        } catch {
          return { pid, cmdline: '' }; // gone meanwhile
        }
      });
    // Names the secret and the pid, never the value (this output lands in logs).
    const leaks = secrets.flatMap(({ name, value }) =>
      processes.filter(({ cmdline }) => cmdline.includes(value)).map(({ pid }) => `${name} in pid ${pid}`),
    );
    expect(leaks).toEqual([]);
  });
});
