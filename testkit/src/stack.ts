// The running stack's addresses. `stack/mesh up` writes them to
// .run/stack.env; the environment wins, so the same suites can point at
// another deployment (and `stack/mesh bench`/`faults` export them anyway).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createKafka,
  createLogger,
  forwardAuthService,
  identityAssertions,
  identityKeyRing,
  kafkaPublisher,
  mongodbLoginUrl,
  serviceManifest,
  serviceOutbox,
  withPassword,
  type ConsulEndpoint,
  type IdentityJwt,
  type KafkaCredentials,
  type OutboxEntry,
  type OutboxLog,
} from '@feedmesh/common';

/** The repository root, two levels up from this file in `src/` and in `dist/` alike. */
export const repoDir = fileURLToPath(new URL('../../', import.meta.url));

/** `KEY=value` lines (as in stack.env and stack/versions.env); comments and other lines are skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

/** A `KEY=value` file of the repository, or nothing when it is not there. */
export function readEnvFile(path: string): Record<string, string> {
  const file = `${repoDir}${path}`;
  return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
}

const written = readEnvFile('.run/stack.env');
const get = (name: string, fallback: string) => process.env[name] ?? written[name] ?? fallback;
/** A secret of the installation: stack.env says where its file is (NAME_FILE), never its value. */
export const secret = (name: string) => {
  const file = get(`${name}_FILE`, '');
  return file && existsSync(file) ? readFileSync(file, 'utf8').trim() : get(name, '');
};
/** A store's address as its admin user, which tests use: stack.env names the user, the password is a secret. */
const asAdmin = (url: string, passwordSecret: string) => {
  const password = secret(passwordSecret);
  return url && password ? withPassword(url, password) : url;
};

export const stack = {
  gatewayUrl: get('GATEWAY_URL', 'http://localhost'),
  traefikApiUrl: get('TRAEFIK_API_URL', 'http://127.0.0.1:8080'),
  consulUrl: get('CONSUL_URL', 'http://127.0.0.1:8500'),
  databaseUrl: asAdmin(get('DATABASE_URL', ''), 'ADMIN_DATABASE_PASSWORD'),
  /** As FerretDB's admin role (a member of each service's role there), logged in as FerretDB takes logins. */
  mongodbUrl: mongodbLoginUrl(
    get('MONGODB_URL', 'mongodb://127.0.0.1:27017/'),
    secret('ADMIN_MONGODB_PASSWORD') || undefined,
  ),
  /** Where FerretDB keeps its documents (native stack only). */
  ferretdbPostgresUrl: asAdmin(get('FERRETDB_POSTGRES_URL', ''), 'ADMIN_DATABASE_PASSWORD'),
  redisUrl: asAdmin(get('REDIS_URL', 'redis://127.0.0.1:6379'), 'ADMIN_REDIS_PASSWORD'),
  kafkaBrokers: get('KAFKA_BROKERS', '127.0.0.1:9092'),
  /** Kafka's super user, which tests, benchmarks and faults act as; services have theirs. */
  kafkaAdmin: { username: get('KAFKA_ADMIN_USER', 'admin'), password: secret('ADMIN_KAFKA_PASSWORD') },
  /** kcat's settings as that admin (stack/mesh writes them, mode 0600): `kcat -F` keeps the password off argv. */
  kafkaAdminKcatConfig: get('KAFKA_ADMIN_KCAT_CONFIG', ''),
  jwtSecret: secret('JWT_SECRET'),
  /** auth-service's Ed25519 seed: tests that act as auth-service sign assertions with it. */
  identitySigningKey: secret('IDENTITY_SIGNING_KEY'),
  /** Consul's management token: tests and tools read the catalog and register probes of their own with it. */
  consulToken: secret('CONSUL_MANAGEMENT_TOKEN'),
};

/** The stack's Consul as its management token sees it. */
export const consul: ConsulEndpoint = { url: stack.consulUrl, token: stack.consulToken || undefined };
/** The `X-Consul-Token` header of the management token, for calls of Consul's API by hand. */
export const consulHeaders: Record<string, string> = stack.consulToken ? { 'x-consul-token': stack.consulToken } : {};

/**
 * The Consul token of one service (`CONSUL_TOKEN_AUTH_SERVICE` for
 * auth-service, as stack/mesh names it): it may register that name only.
 */
export function consulServiceToken(name: string): string {
  return secret(`CONSUL_TOKEN_${name.replace(/-/g, '_').toUpperCase()}`);
}

/** Where the services fetch auth-service's public keys: its own address, as stack/mesh gives them. */
export function identityJwksUrl(): string {
  const { name, prefix, identityKeys } = forwardAuthService();
  return `${serviceUrl(name)}${prefix}${identityKeys}`;
}

/** Assertions signed as auth-service signs them, with the stack's own key. */
export async function stackAssertions(ttlSeconds?: number): Promise<IdentityJwt> {
  return identityAssertions((await identityKeyRing(stack.identitySigningKey)).keys, ttlSeconds);
}

/**
 * One service itself, bypassing the gateway: `AUTH_URL` for auth-service and
 * so on, as stack.env names them; else its port in mesh.json.
 */
export function serviceUrl(name: string): string {
  const { port } = serviceManifest(name);
  // As stack/mesh names them: web-client's is WEB_CLIENT_URL.
  return get(
    `${name
      .replace(/-service$/, '')
      .replace(/-/g, '_')
      .toUpperCase()}_URL`,
    `http://127.0.0.1:${port}`,
  );
}

/** A kafkajs client of the stack's broker, as its admin unless told (`null`: no credentials at all). */
export function stackKafka(
  clientId: string,
  credentials: KafkaCredentials | null = stack.kafkaAdmin,
): ReturnType<typeof createKafka> {
  return createKafka({
    clientId,
    brokers: stack.kafkaBrokers.split(','),
    ...(credentials ? { credentials } : {}),
    logger: createLogger(clientId, 'silent'),
  });
}

/** Env that lets a spawned service reach every store of the stack. */
export function serviceEnv(): Record<string, string> {
  return {
    CONSUL_URL: stack.consulUrl,
    DATABASE_URL: stack.databaseUrl,
    MONGODB_URL: stack.mongodbUrl,
    REDIS_URL: stack.redisUrl,
    KAFKA_BROKERS: stack.kafkaBrokers,
    // As the admin, like the stores' URLs above: a spawned feed may read a benchmark's own topic and group.
    KAFKA_USERNAME: stack.kafkaAdmin.username,
    KAFKA_PASSWORD: stack.kafkaAdmin.password,
    JWT_SECRET: stack.jwtSecret,
    IDENTITY_SIGNING_KEY: stack.identitySigningKey,
    IDENTITY_JWKS_URL: identityJwksUrl(),
  };
}

/**
 * A producer's outbox for a suite that drives the producer in-process: it
 * publishes to the stack's Kafka (as the admin) under `instance`, its own
 * name in the outbox log, and recovers nothing of others'. Start it in
 * `beforeAll`, `close` it in `afterAll`.
 */
export function stackOutbox<Entry extends OutboxEntry>(o: {
  service: string;
  log: OutboxLog<Entry>;
  topic: string;
  instance: string;
}) {
  const publisher = kafkaPublisher(stackKafka(o.instance));
  const outbox = serviceOutbox<Entry>({
    service: o.service,
    config: {
      CONSUL_URL: stack.consulUrl,
      CONSUL_TOKEN: stack.consulToken,
      OUTBOX_CHECKPOINT_MS: 1_000,
      OUTBOX_LINGER_MS: 0,
      OUTBOX_DEAD_AFTER_MS: 15_000,
    },
    log: o.log,
    topic: o.topic,
    publisher,
    instance: o.instance,
    logger: createLogger(o.instance, 'silent'),
  });
  return {
    outbox,
    close: async () => {
      await outbox.stop();
      await publisher.close();
    },
  };
}
