import { describe, expect, it } from 'vitest';
import { freePort } from '@feedmesh/common';
import { bash, type ShellRun, stack } from '@feedmesh/testkit';

// ./test.sh must never pass, and never crash, when there is no mesh to test:
// whatever is missing shows as ✗ lines, a closing count and a non-zero status.
// (Its passing run against the full mesh is part of `stack/mesh test`.)
const testSh = (gatewayUrl: string) => bash(['test.sh'], { GATEWAY_URL: gatewayUrl });

const expectFailedRun = ({ code, stdout, stderr }: ShellRun) => {
  expect(code).toBe(1);
  expect(stdout).toMatch(/^✗ /m);
  expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^0 passed, [1-9]\d* failed$/);
  // Nothing from bash itself: no unbound variable, no jq parse error.
  expect(stderr).toBe('');
};

describe('test.sh without a mesh to test', () => {
  it('fails with ✗ lines when nothing listens at the gateway address', async () => {
    const run = await testSh(`http://127.0.0.1:${await freePort()}`);
    expectFailedRun(run);
    expect(run.stdout).toMatch(/^✗ GET \/api\/auth\/health .*: expected HTTP 200, got no answer from/m);
  });

  it('fails with ✗ lines when the gateway routes none of the services', async () => {
    // The real gateway, under a prefix no router claims: every service is missing behind it.
    const run = await testSh(`${stack.gatewayUrl}/no-service-here`);
    expectFailedRun(run);
    expect(run.stdout).toMatch(/^✗ GET \/api\/activity-stream\/health .*: expected HTTP 200, got HTTP 404/m);
  });
});
