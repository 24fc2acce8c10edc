import { describe, expect, it } from 'vitest';
import { consulHeaders, eventually, getJson, stack } from '@feedmesh/testkit';
import { FLOOR_PATH, withProxyFloor } from '../src/floor.js';

const floorServices = `${stack.consulUrl}/v1/agent/services?filter=${encodeURIComponent('Service == "bench-floor"')}`;

describe('proxy floor', () => {
  it('routes /bench-floor through the gateway to its trivial backend only while the benchmark runs', async () => {
    const during = await withProxyFloor(async ({ gateway, direct }) => ({
      gateway,
      viaGateway: await getJson(gateway),
      direct: await getJson(direct),
      registered: (await getJson<Record<string, unknown>>(floorServices, consulHeaders)).body,
    }));
    expect(during.gateway).toBe(`${stack.gatewayUrl}${FLOOR_PATH}`);
    expect(during.viaGateway).toEqual({ status: 200, body: { status: 'ok', from: 'bench-floor' } });
    expect(during.direct).toEqual(during.viaGateway);
    expect(Object.keys(during.registered)).toHaveLength(1);

    // Afterwards nothing is left: not in Consul, and the gateway no longer routes the path.
    const after = await getJson<Record<string, unknown>>(floorServices, consulHeaders);
    expect(after.body).toEqual({});
    await eventually(async () => (await fetch(during.gateway)).status === 404, 10_000);
  });
});
