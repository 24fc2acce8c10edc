import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoDir } from '@feedmesh/testkit';

// The shell helpers of stack/lib: gobuild.sh, the helper of the Go-built tools
// (Consul, FerretDB, k6), with a build function that writes a script instead
// of compiling; common.sh's heartbeat.

let cache = '';
afterEach(() => {
  rmSync(cache, { recursive: true, force: true });
  cache = ''; // a later test must not run on a path now gone (prepare_cache would move a cache there)
});

function goBinary(reports: string, want = 'demo v1') {
  cache ||= mkdtempSync(join(tmpdir(), 'gobuild-'));
  const script = `
    set -euo pipefail
    source stack/lib/common.sh
    prepare_cache
    source stack/lib/gobuild.sh
    build() {
      echo built >>"$FEEDMESH_CACHE/builds"
      printf '#!/bin/sh\\necho "%s (test build)"\\n' "$REPORTS" >"$1/demo"
      chmod +x "$1/demo"
    }
    go_binary demo demo-1 "$WANT" build version`;
  const result = spawnSync('bash', ['-c', script], {
    cwd: repoDir,
    encoding: 'utf8',
    env: { ...process.env, HOME: cache, FEEDMESH_CACHE: cache, REPORTS: reports, WANT: want },
  });
  const builds = existsSync(`${cache}/builds`) ? readFileSync(`${cache}/builds`, 'utf8').split('\n').length - 1 : 0;
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr, builds };
}

describe('go_binary', () => {
  it('builds once into the cache, prints the path, and reuses what reports the version', () => {
    expect(goBinary('demo v1')).toMatchObject({ status: 0, stdout: `${cache}/bin/demo-1`, builds: 1 });
    expect(goBinary('demo v1')).toMatchObject({ status: 0, stdout: `${cache}/bin/demo-1`, builds: 1 });
  });

  it('keeps nothing of a build that reports another version', () => {
    const result = goBinary('demo v2');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("does not report 'demo v1'");
    expect(readdirSync(`${cache}/bin`)).toEqual([]);
  });

  it('accepts the version among other words, and no longer or shorter one', () => {
    expect(goBinary('demo-1 v1 (go1.24)', 'v1')).toMatchObject({ status: 0, builds: 1 });
    expect(goBinary('demo-1 v1 (go1.24)', 'v1')).toMatchObject({ status: 0, builds: 1 });
    expect(goBinary('demo v1.1', 'demo v1').status).not.toBe(0);
  });

  it('builds again when the cached binary no longer reports the version', () => {
    goBinary('demo v1');
    writeFileSync(`${cache}/bin/demo-1`, '#!/bin/sh\necho "demo v0"\n');
    expect(goBinary('demo v1')).toMatchObject({ status: 0, builds: 2 });
  });
});

describe('wrapper_requires', () => {
  const requires = (version: string) =>
    spawnSync(
      'bash',
      [
        '-c',
        `source stack/lib/common.sh; source stack/lib/gobuild.sh; wrapper_requires "$STACK_DIR/consul" github.com/hashicorp/consul ${version}`,
      ],
      { cwd: repoDir, encoding: 'utf8' },
    );

  it("holds a wrapper module's go.mod to the version versions.env names", () => {
    const pinned = readFileSync(`${repoDir}stack/versions.env`, 'utf8').match(/^CONSUL_VERSION=(.+)$/m)?.[1];
    expect(requires(pinned!).status).toBe(0);
    const wrong = requires('0.0.1');
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('stack/consul/go.mod does not require github.com/hashicorp/consul v0.0.1');
  });
});

describe('prepare_cache', () => {
  // The components run as users of their own: a cache in root's home (0700)
  // is out of their reach, so a warm one moves to the new place, readable by all.
  it('moves the cache a machine warmed under ~/.cache, leaves a link there, and opens it to every user', () => {
    cache ||= mkdtempSync(join(tmpdir(), 'cache-'));
    const home = join(cache, 'home');
    mkdirSync(`${home}/.cache/feedmesh/bin`, { recursive: true, mode: 0o700 });
    writeFileSync(`${home}/.cache/feedmesh/bin/demo-1`, 'warm', { mode: 0o700 });
    const moved = join(cache, 'var-cache-feedmesh');
    const result = spawnSync('bash', ['-c', 'source stack/lib/common.sh; prepare_cache'], {
      cwd: repoDir,
      encoding: 'utf8',
      env: { ...process.env, HOME: home, FEEDMESH_CACHE: moved },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(`${moved}/bin/demo-1`, 'utf8')).toBe('warm');
    expect(lstatSync(`${home}/.cache/feedmesh`).isSymbolicLink()).toBe(true);
    for (const dir of [moved, `${moved}/bin`]) expect(statSync(dir).mode & 0o777, dir).toBe(0o755);
    expect(statSync(`${moved}/bin/demo-1`).mode & 0o755).toBe(0o755);
  });
});

describe('with_heartbeat', () => {
  it("returns its command's status without keeping a reader of its output waiting", () => {
    const started = performance.now();
    const result = spawnSync('bash', ['-c', 'source stack/lib/common.sh; with_heartbeat demo sh -c "exit 4"'], {
      cwd: repoDir,
      encoding: 'utf8',
    });
    expect(result.status).toBe(4);
    // Its heartbeat sleeps 20 s between lines; the output closes long before.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
