import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { manifest, manifestSchema } from '@feedmesh/common';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, repoDir, stackKafka } from '@feedmesh/testkit';

// stack/mesh names no service and no topic: what it starts, creates and
// writes down comes from mesh.json. These check the running stack against it.

const run = `${repoDir}.run`;
/** AUTH_URL for auth-service: the names tests, benchmarks and fault scenarios read. */
const urlVar = (name: string) =>
  `${name
    .replace(/-service$/, '')
    .replace(/-/g, '_')
    .toUpperCase()}_URL`;
const envFile = Object.fromEntries(
  readFileSync(`${run}/stack.env`, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

describe('the stack mesh.json describes', () => {
  it('has each topic and its dead-letter topic, with its partitions and retention', async () => {
    const kafka = stackKafka('tests');
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const [name, topic] of Object.entries(manifest.topics)) {
        for (const [t, retention] of [
          [name, topic.retention],
          [topic.deadLetter, 'forever'],
        ] as const) {
          const { topics } = await admin.fetchTopicMetadata({ topics: [t] });
          expect(topics[0]?.partitions.length, t).toBe(topic.partitions);
          // 2: a topic, in Kafka's config resource types.
          const { resources } = await admin.describeConfigs({
            resources: [{ type: 2, name: t }],
            includeSynonyms: false,
          });
          const config = Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
          if (retention === 'forever') expect(config['retention.ms'], t).toBe('-1');
          else if (retention === 'compact') expect(config['cleanup.policy'], t).toBe('compact');
          else expect(Number(config['retention.ms']), t).toBe(Number(retention.slice(0, -1)) * 86_400_000);
        }
      }
    } finally {
      await admin.disconnect();
    }
  });

  it("writes each service's own address down as <NAME>_URL, on its port from mesh.json", async () => {
    const offsets = new Set<number>();
    for (const [name, { port, prefix }] of Object.entries(manifest.services)) {
      const url = envFile[urlVar(name)];
      expect(url, urlVar(name)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      offsets.add(Number(new URL(url!).port) - port);
      expect((await getJson(`${url}${prefix}/health/live`)).status, name).toBe(200);
    }
    // One FEEDMESH_PORT_OFFSET for them all.
    expect(offsets.size).toBe(1);
  });

  it('gives each supervised service the addresses of its own stores and its secrets, nothing else', () => {
    const conf = readFileSync(`${run}/conf/supervisord.conf`, 'utf8');
    for (const [name, service] of Object.entries(manifest.services)) {
      const section = conf.slice(conf.indexOf(`[program:${name}]`)).split('\n[')[0]!;
      const line = section.split('\n').find((l) => l.startsWith('environment='));
      const keys = [...(line ?? '').matchAll(/([A-Z_]+)="/g)].map((m) => m[1]);
      for (const [store, { env }] of Object.entries(manifest.stores)) {
        expect(keys.includes(env), `${name} ${env}`).toBe(service.stores.includes(store));
      }
      const secrets = Object.values(manifest.services).flatMap((s) => s.secrets);
      for (const secret of secrets)
        expect(keys.includes(`${secret}_FILE`), `${name} ${secret}`).toBe(service.secrets.includes(secret));
    }
  });

  it("writes no secret's value into stack.env (which `stack/mesh env` prints) or supervisord.conf", () => {
    const secrets = Object.entries(envFile).filter(([key]) => key.endsWith('_FILE'));
    expect(secrets.map(([key]) => key)).toEqual(
      expect.arrayContaining(['JWT_SECRET_FILE', 'IDENTITY_SIGNING_KEY_FILE']),
    );
    const written = [readFileSync(`${run}/stack.env`, 'utf8'), readFileSync(`${run}/conf/supervisord.conf`, 'utf8')];
    for (const [key, file] of secrets) {
      const value = readFileSync(file, 'utf8').trim();
      expect(value.length, key).toBeGreaterThanOrEqual(32);
      for (const text of written) expect(text.includes(value), key).toBe(false);
    }
  });
});

describe('stack/mesh users', () => {
  // A secret file is owned by the one user that reads it: two services
  // declaring the same secret would need one file owned by both.
  const root = mkdtempSync(join(tmpdir(), 'mesh-users-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  cpSync(`${repoDir}stack`, `${root}/stack`, { recursive: true });
  const service = (port: number, prefix: string) => ({
    port,
    prefix,
    title: 'demo',
    description: 'Declares a secret.',
    stores: [],
    produces: [],
    consumes: [],
    secrets: ['JWT_SECRET'],
  });
  const users = (services: Record<string, ReturnType<typeof service>>) => {
    writeFileSync(
      `${root}/mesh.json`,
      JSON.stringify(manifestSchema.parse({ stores: manifest.stores, services, topics: {} })),
    );
    return promisify(execFile)(`${root}/stack/mesh`, ['users'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FEEDMESH_PORT_OFFSET: '7' },
    });
  };

  it("names each program's own user, and refuses a secret that two services declare or a name too long", async () => {
    const { stdout } = await users({ 'demo-service': service(5998, '/api/demo') });
    expect(stdout).toContain('demo-service\tfeedmesh-demo-service\n');
    expect(stdout).toContain('postgres\tpostgres\n');
    await expect(
      users({ 'demo-service': service(5998, '/api/demo'), 'other-service': service(5997, '/api/other') }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'secrets with two consumers (mesh.json gives each to one service only): JWT_SECRET',
      ),
    });
    // useradd takes names of up to 32 characters.
    const long = 'averylongnameforasystemuser-service';
    await expect(users({ [long]: service(5998, '/api/demo') })).rejects.toMatchObject({
      stderr: expect.stringContaining(`the user name feedmesh-${long} is longer than 32 characters`),
    });
  });
});

describe('stack/mesh in a repository of one service', () => {
  // A copy of the CLI beside a mesh.json of its own: what it runs is then
  // only what that manifest declares.
  const root = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  cpSync(`${repoDir}stack`, `${root}/stack`, { recursive: true });
  const demo = {
    stores: manifest.stores,
    services: {
      'demo-service': {
        port: 5999,
        prefix: '/api/demo',
        title: 'demo',
        description: 'Nothing but a setup script.',
        stores: ['postgres', 'redis'],
        produces: [],
        consumes: [],
        secrets: ['JWT_SECRET'],
        setup: 'dist/setup.js',
      },
    },
    topics: {},
  };
  writeFileSync(`${root}/mesh.json`, JSON.stringify(manifestSchema.parse(demo)));
  mkdirSync(`${root}/demo-service/dist`, { recursive: true });
  writeFileSync(
    `${root}/demo-service/dist/setup.js`,
    `const env = { ...process.env, cwd: process.cwd() };
require('node:fs').writeFileSync(process.env.SETUP_OUT, JSON.stringify(env));
process.exit(process.env.SETUP_FAIL ? 3 : 0);
`,
  );
  const out = `${root}/setup-env.json`;
  const mesh = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(`${root}/stack/mesh`, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SETUP_OUT: out,
        FEEDMESH_PORT_OFFSET: '7',
        ...env,
      },
    });

  it("runs each service's setup script from its folder, with the service's environment (FerretDB's database for a service on it only)", async () => {
    await mesh(['setup']);
    const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(env.cwd).toBe(`${root}/demo-service`);
    expect(env.PORT).toBe('6006');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(env.REDIS_URL).toMatch(/^redis:\/\//);
    // Secrets as files of this installation, readable by this user only; never a value in the environment.
    // No identity key is shared by every service any more: only auth-service (mesh.json) signs assertions.
    for (const name of ['IDENTITY_ASSERTION_KEY_FILE', 'IDENTITY_SIGNING_KEY_FILE'])
      expect(env).not.toHaveProperty(name);
    for (const name of ['JWT_SECRET']) {
      expect(env, name).not.toHaveProperty(name);
      const file = env[`${name}_FILE`]!;
      expect(file).toBe(`${root}/.run/secrets/${name}`);
      expect(statSync(file).mode & 0o777, name).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(statSync(`${root}/.run/secrets`).mode & 0o777).toBe(0o700);
    expect(env).not.toHaveProperty('FERRETDB_POSTGRES_URL');
    expect(env).not.toHaveProperty('MONGODB_URL');
    expect(env).not.toHaveProperty('KAFKA_BROKERS');
  });

  it('fails when a setup script fails, naming it', async () => {
    await expect(mesh(['setup'], { SETUP_FAIL: '1' })).rejects.toMatchObject({
      stderr: expect.stringContaining('demo-service: dist/setup.js failed'),
    });
  });

  it("keeps to the offset of the clone's own stack when given none", async () => {
    mkdirSync(`${root}/.run`, { recursive: true });
    writeFileSync(`${root}/.run/stack.env`, 'FEEDMESH_PORT_OFFSET=11\n');
    await promisify(execFile)(`${root}/stack/mesh`, ['setup'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SETUP_OUT: out },
    });
    expect((JSON.parse(readFileSync(out, 'utf8')) as { PORT: string }).PORT).toBe('6010');
    rmSync(`${root}/.run`, { recursive: true });
  });

  it('offers a rebuild only where mesh.json declares one', async () => {
    await expect(mesh(['demo-rebuild'])).rejects.toMatchObject({
      stderr: expect.stringContaining('no command demo-rebuild'),
    });
  });
});
