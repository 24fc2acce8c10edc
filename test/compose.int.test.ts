import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoDir } from '@feedmesh/testkit';

// Nothing here can run containers, so docker-compose.yml is checked two ways:
// by a real Compose implementation (Debian's docker-compose, installed by
// stack/mesh) and by the rules this project holds its compose file to.

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  restart?: string;
}
const compose = parse(readFileSync(`${repoDir}docker-compose.yml`, 'utf8')) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const oneShot = new Set(['kafka-init']);

describe('docker-compose.yml', () => {
  it('is valid for docker-compose', () => {
    execFileSync('docker-compose', ['-f', `${repoDir}docker-compose.yml`, 'config', '-q'], { stdio: 'pipe' });
  });

  it('runs the whole mesh: gateway, discovery, every store and the four services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'auth-service',
        'consul',
        'feed-service',
        'kafka',
        'kafka-init',
        'mongodb',
        'postgres',
        'posts-service',
        'profile-service',
        'redis',
        'traefik',
      ].sort(),
    );
  });

  it('pins every image to a version', () => {
    for (const [name, s] of services.filter(([, s]) => s.image)) {
      expect(s.image, name).toMatch(/:[0-9v][^:]*$/);
      expect(s.image, name).not.toMatch(/:latest$/);
    }
  });

  it('builds each service from the repository Dockerfile', () => {
    for (const name of ['auth-service', 'profile-service', 'posts-service', 'feed-service']) {
      expect(compose.services[name]?.build?.args?.SERVICE).toBe(name);
    }
  });

  it('gives every long-running container a healthcheck and waits on conditions, not start order', () => {
    for (const [name, s] of services) {
      if (!oneShot.has(name)) expect(s.healthcheck, `${name} healthcheck`).toBeDefined();
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        const want = oneShot.has(dep) ? 'service_completed_successfully' : 'service_healthy';
        expect(cond.condition, `${name} -> ${dep}`).toBe(want);
      }
    }
  });

  it('keeps data in named volumes', () => {
    for (const name of ['postgres', 'mongodb', 'redis', 'kafka', 'consul']) {
      const named = (compose.services[name]?.volumes ?? []).map((v) => v.split(':')[0]);
      expect(
        named.some((v) => v && v in compose.volumes),
        name,
      ).toBe(true);
    }
  });

  it('mounts the same gateway and Consul files the native stack uses', () => {
    expect(compose.services.traefik?.volumes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\.\/api_gateway\/traefik\.yml:/),
        expect.stringMatching(/^\.\/api_gateway\/dynamic\.yml:/),
      ]),
    );
    expect(compose.services.consul?.volumes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\.\/service_discovery\/consul\.hcl:/)]),
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${repoDir}Dockerfile`, 'utf8');
  it('is multi-stage and runs as an unprivileged user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(lastStage).toMatch(/^USER node$/m);
  });
});
