import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forwardAuthService, manifest } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoDir } from '@feedmesh/testkit';

// Nothing here can run containers, so docker-compose.yml is checked two ways:
// by a real Compose implementation (Debian's docker-compose, installed by
// stack/mesh) and by the rules this project holds its compose file to, the
// first of which is that it agrees with mesh.json.

interface ComposeService {
  image?: string;
  build?: string | { context: string; args?: Record<string, string> };
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  restart?: string;
  user?: string;
}
const composeText = readFileSync(`${repoDir}docker-compose.yml`, 'utf8');
// merge: the services share their environment through `<<:` anchors.
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const meshServices = Object.entries(manifest.services);
const stores = Object.keys(manifest.stores);
const oneShot = new Set(['kafka-init', 'consul-init']);
const service = (name: string) => compose.services[name] ?? {};

/** The secrets the compose file takes from the environment (`${NAME:?...}`), which `stack/mesh compose-env` writes. */
const composeSecrets = [...new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map((m) => m[1]!))];
// An empty env file, so that a developer's own .env beside the compose file is not read.
const noEnvFile = join(mkdtempSync(join(tmpdir(), 'compose-')), 'empty.env');
writeFileSync(noEnvFile, '');
const composeConfig = (env: Record<string, string>) =>
  execFileSync('docker-compose', ['-f', `${repoDir}docker-compose.yml`, '--env-file', noEnvFile, 'config', '-q'], {
    stdio: 'pipe',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });

describe('docker-compose.yml', () => {
  it('is valid for docker-compose', () => {
    composeConfig(Object.fromEntries(composeSecrets.map((name) => [name, 'x'.repeat(64)])));
  });

  it('has no secret of its own: Compose refuses to start without those `stack/mesh compose-env` writes', () => {
    expect(composeSecrets).toEqual(expect.arrayContaining(['IDENTITY_SIGNING_KEY', 'JWT_SECRET']));
    expect(() => composeConfig({})).toThrow(/run stack\/mesh compose-env/);
  });

  it("runs the whole mesh: gateway, discovery, mesh.json's stores and services, and the topics' one-shot", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...meshServices.map(([name]) => name), ...stores, 'consul', 'traefik', 'kafka-init', 'consul-init'].sort(),
    );
  });

  it('pins every image to a version', () => {
    for (const [name, s] of services.filter(([, s]) => s.image)) {
      expect(s.image, name).toMatch(/:[0-9v][^:]*$/);
      expect(s.image, name).not.toMatch(/:latest$/);
    }
  });

  it('builds each service from the repository Dockerfile, which gives it its port from mesh.json', () => {
    for (const [name, { port }] of meshServices) {
      expect(service(name).build, name).toEqual({ context: '.', args: { SERVICE: name } });
      // The image's default is the manifest's port; an override could only restate or contradict it.
      expect(service(name).environment?.PORT ?? String(port), name).toBe(String(port));
    }
  });

  it("gives each service the address of its own stores only, under mesh.json's names, and its secrets", () => {
    for (const [name, s] of meshServices) {
      const env = service(name).environment ?? {};
      for (const [store, { env: variable }] of Object.entries(manifest.stores)) {
        expect(variable in env, `${name} ${variable}`).toBe(s.stores.includes(store));
      }
      // A store with users: the service's own, in the URL, and its password from .env.
      for (const store of s.stores) {
        const { env: variable, password } = manifest.stores[store]!;
        if (!password) continue;
        const user = name.replace(/-/g, '_');
        // A URL names the user; Kafka's broker list cannot (the user is the service's name, kafkaConfigShape).
        if (store !== 'kafka') expect(new URL(env[variable] ?? 'x:').username, `${name} ${variable}`).toBe(user);
        expect(env[password], `${name} ${password}`).toBe(
          `\${${user.toUpperCase()}_${password}:?run stack/mesh compose-env}`,
        );
        expect(composeSecrets, `${name} ${password}`).toContain(`${user.toUpperCase()}_${password}`);
      }
      for (const secret of composeSecrets)
        if (s.secrets.includes(secret))
          expect(env[secret], `${name} ${secret}`).toMatch(new RegExp(`^\\$\\{${secret}:\\?`));
        // No shared secret: only auth-service can sign identity assertions.
        else expect(env[secret], `${name} ${secret}`).toBeUndefined();
      const { name: signer, port, prefix, identityKeys } = forwardAuthService();
      expect(env.IDENTITY_JWKS_URL, name).toBe(`http://${signer}:${port}${prefix}${identityKeys}`);
      expect(env.SERVICE_ADDRESS, name).toBe(name);
    }
  });

  it('starts each service after its stores are healthy, and its topics created', () => {
    for (const [name, s] of meshServices) {
      const deps = service(name).depends_on ?? {};
      for (const store of s.stores) expect(deps[store]?.condition, `${name} -> ${store}`).toBe('service_healthy');
      const hasTopics = s.produces.length + s.consumes.length > 0;
      expect(deps['kafka-init']?.condition, `${name} -> kafka-init`).toBe(
        hasTopics ? 'service_completed_successfully' : undefined,
      );
      expect(deps.consul?.condition, `${name} -> consul`).toBe('service_healthy');
      expect(deps['consul-init']?.condition, `${name} -> consul-init`).toBe('service_completed_successfully');
    }
  });

  it("runs Consul with ACLs: the agent's tokens, consul-init's policies from mesh.json, a token for each", () => {
    const token = (name: string) => new RegExp(`^\\$\\{${name}:\\?`);
    const consulToken = (name: string) => `CONSUL_TOKEN_${name.replace(/-/g, '_').toUpperCase()}`;
    const local = service('consul').environment?.CONSUL_LOCAL_CONFIG ?? '';
    expect(local).toContain('"initial_management": "${CONSUL_MANAGEMENT_TOKEN:?');
    expect(local).toContain('"agent": "${CONSUL_TOKEN_AGENT:?');
    const init = service('consul-init');
    expect(init.image).toBe(service('consul').image);
    expect(init.volumes).toEqual(
      expect.arrayContaining([
        './stack/consul/mesh-acl.sh:/feedmesh/mesh-acl.sh:ro',
        './mesh.json:/feedmesh/mesh.json:ro',
      ]),
    );
    expect(init.entrypoint).toEqual(['sh', '/feedmesh/mesh-acl.sh', '/feedmesh/mesh.json']);
    expect(init.environment?.CONSUL_HTTP_TOKEN).toMatch(token('CONSUL_MANAGEMENT_TOKEN'));
    for (const name of ['agent', 'traefik', ...meshServices.map(([n]) => n)])
      expect(init.environment?.[consulToken(name)], name).toMatch(token(consulToken(name)));
    for (const [name] of meshServices)
      expect(service(name).environment?.CONSUL_TOKEN, name).toMatch(token(consulToken(name)));
    expect(service('traefik').environment?.CONSUL_HTTP_TOKEN).toMatch(token(consulToken('traefik')));
    expect(service('traefik').depends_on?.['consul-init']?.condition).toBe('service_completed_successfully');
  });

  it("creates mesh.json's Kafka users, topics and ACLs with the native stack's scripts, and names none itself", () => {
    const init = service('kafka-init');
    expect(init.build).toBe('./stack/kafka');
    expect(init.volumes).toEqual(
      expect.arrayContaining([
        './stack/kafka/mesh-topics.sh:/feedmesh/mesh-topics.sh:ro',
        './stack/kafka/mesh-auth.sh:/feedmesh/mesh-auth.sh:ro',
        './mesh.json:/feedmesh/mesh.json:ro',
      ]),
    );
    const script = [init.entrypoint].flat().join(' ');
    // Users first (nothing logs in with SCRAM before), then topics, then the ACLs on them.
    expect(script).toMatch(/add-users \S+;.*mesh-topics\.sh create \S+;.*apply-acls \S+$/s);
    expect(init.environment?.KAFKA_TOPICS).toMatch(/kafka-topics\.sh --bootstrap-server kafka:9092 --command-config /);
    for (const user of ['ADMIN', 'POSTS_SERVICE', 'FEED_SERVICE'])
      expect(init.environment?.[`${user}_KAFKA_PASSWORD`]).toBe(
        `\${${user}_KAFKA_PASSWORD:?run stack/mesh compose-env}`,
      );
    for (const [topic, { deadLetter }] of Object.entries(manifest.topics)) {
      expect(composeText).not.toContain(topic);
      expect(composeText).not.toContain(deadLetter);
    }
    expect(service('kafka').environment).not.toHaveProperty('KAFKA_NUM_PARTITIONS');
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

  it('keeps data in named volumes (FerretDB, the MongoDB protocol, keeps its in PostgreSQL)', () => {
    for (const name of [...stores.filter((store) => store !== 'mongodb'), 'consul']) {
      const named = (service(name).volumes ?? []).map((v) => v.split(':')[0]);
      expect(
        named.some((v) => v && v in compose.volumes),
        name,
      ).toBe(true);
    }
  });

  it('runs FerretDB with a URL of no credentials, naming a role that cannot log in: no login, no data', () => {
    const ferretdb = service('mongodb');
    expect(ferretdb.image).toMatch(/^ghcr\.io\/ferretdb\/ferretdb:/);
    const url = new URL(ferretdb.environment?.FERRETDB_POSTGRESQL_URL ?? 'x:');
    expect([url.host, url.pathname, url.password]).toEqual([
      'postgres:5432',
      `/${service('postgres').environment?.FERRETDB_DB}`,
      '',
    ]);
    const roles = readFileSync(`${repoDir}stack/compose/postgres-roles.sh`, 'utf8');
    expect(roles).toContain(`CREATE ROLE ${url.username} NOLOGIN;`);
    expect(ferretdb.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it("has forwardAuth ask the checking service itself, at mesh.json's port and path, never a gateway route", () => {
    const checker = forwardAuthService();
    expect(service('traefik').environment?.FEEDMESH_AUTH_VALIDATE_URL).toBe(
      `http://${checker.name}:${checker.port}${checker.prefix}${checker.forwardAuth}`,
    );
  });

  it('mounts the same gateway and Consul files the native stack uses', () => {
    expect(service('traefik').volumes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\.\/api_gateway\/traefik\.yml:/),
        expect.stringMatching(/^\.\/api_gateway\/dynamic\.yml:/),
      ]),
    );
    expect(service('consul').volumes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\.\/service_discovery\/consul\.hcl:/)]),
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${repoDir}Dockerfile`, 'utf8');
  const lastUser = (text: string) => text.match(/^USER (\S+)$/gm)?.at(-1);

  it('is multi-stage and runs as an unprivileged user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(lastStage).toMatch(/^USER node$/m);
  });

  it('takes no port: the service and its healthcheck read it from mesh.json', () => {
    expect(dockerfile).not.toMatch(/^ARG PORT/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/package\.json \/src\/mesh\.json/m);
    expect(dockerfile).toMatch(/require\('\/app\/mesh\.json'\)\.services\[process\.env\.FEEDMESH_SERVICE\]\.port/);
  });

  it('runs the gateway as an unprivileged user (nobody), not as its image would, as root', () => {
    expect(service('traefik').user).toBe('65534:65534');
  });

  it("kafka-init's image adds jq to Kafka's and runs unprivileged", () => {
    const init = readFileSync(`${repoDir}stack/kafka/Dockerfile`, 'utf8');
    expect(init).toMatch(new RegExp(`^FROM ${service('kafka').image?.replace(/\./g, '\\.')}$`, 'm'));
    expect(init).toMatch(/apk add .*\bjq\b/);
    expect(lastUser(init)).toBe('USER appuser');
  });
});
