import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoDir } from './support/stack.js';

// The shell helpers of stack/lib: common.sh's heartbeat.

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
