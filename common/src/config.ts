import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MIN_KEY_BYTES } from './identity.js';
import { ED25519_SEED_HEX } from './identity-keys.js';

/** Thrown when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Keys this repository once committed as development defaults. They are
 * public, so they protect nothing: a service refuses to start with one unless
 * told explicitly that this is a development setup.
 */
export const PUBLISHED_KEYS: ReadonlySet<string> = new Set([
  'feedmesh-dev-only-jwt-secret-not-for-production',
  'feedmesh-dev-only-identity-key-not-for-production',
]);
/** The explicit development flag that lets a published key through. */
export const ALLOW_PUBLISHED_KEYS = 'FEEDMESH_ALLOW_PUBLISHED_KEYS';

const FILE_SUFFIX = '_FILE';

/**
 * `NAME_FILE=<path>` gives NAME, a variable of the schema, the file's content
 * (trailing newline dropped): Docker's convention for secrets, which keeps
 * values out of environments, process listings and generated configuration.
 */
function readFileVars(names: ReadonlySet<string>, env: Env, problems: string[]): Env {
  const out: Env = { ...env };
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith(FILE_SUFFIX) || path === undefined) continue;
    const name = key.slice(0, -FILE_SUFFIX.length);
    if (!names.has(name)) continue;
    if (env[name] !== undefined) {
      problems.push(`${name}: given both as ${name} and as ${key}`);
      continue;
    }
    try {
      out[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return out;
}

/**
 * Parses `env` (NAME_FILE variables read first) with `schema`. On failure
 * throws a ConfigError whose message names every offending variable, so a
 * misconfigured service dies with one readable line per problem instead of a
 * stack trace. A value read from a file is never echoed back.
 */
export function loadConfig<S extends z.ZodObject>(service: string, schema: S, given: Env = process.env): z.output<S> {
  const problems: string[] = [];
  const env = readFileVars(new Set(Object.keys(schema.shape)), given, problems);
  if (given[ALLOW_PUBLISHED_KEYS] !== 'true') {
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined && PUBLISHED_KEYS.has(value))
        problems.push(
          `${name}: a key published in this repository; use the installation's own (set ${ALLOW_PUBLISHED_KEYS}=true only for development)`,
        );
    }
  }
  const result = schema.safeParse(env);
  if (result.success && problems.length === 0) return result.data;
  for (const issue of result.error?.issues ?? []) {
    const name = issue.path.join('.') || '(root)';
    const key = issue.path.length === 1 ? String(issue.path[0]) : undefined;
    const got = key === undefined || given[`${key}${FILE_SUFFIX}`] !== undefined ? undefined : env[key];
    problems.push(
      got === undefined ? `${name}: ${issue.message}` : `${name}: ${issue.message} (got ${JSON.stringify(got)})`,
    );
  }
  throw new ConfigError(service, problems);
}

const port = z.coerce.number().int().min(1).max(65535);

/**
 * The variables every service understands. Spread it into a service's own
 * `z.object({...})` so there is still exactly one schema per service; the
 * default port is the service's own in mesh.json (`serviceManifest(name)`).
 */
export function serviceConfigShape(defaults: { port: number }) {
  return {
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(defaults.port),
    /** Address Consul (and so Traefik) uses to reach this instance. */
    SERVICE_ADDRESS: z.string().min(1).default('127.0.0.1'),
    CONSUL_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8500'),
    /** This service's Consul ACL token (or CONSUL_TOKEN_FILE): it may register only this service's name. */
    CONSUL_TOKEN: z.string().min(1).optional(),
    CONSUL_REGISTER: z.stringbool().default(true),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** Time between leaving Consul and closing the listener, so the gateway stops sending first. */
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
    /** Upper bound for in-flight requests to finish after the listener closes. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  };
}

/**
 * The variables of a service that publishes through an outbox
 * (`OutboxPublisher`): its brokers and the outbox's settings. Spread into its
 * schema beside `serviceConfigShape`.
 */
export function producerConfigShape(service: string) {
  return {
    /** Where its events are published, as whom. */
    ...kafkaConfigShape(service),
    /** How often this instance writes its outbox checkpoint (how far its commits are published) and heartbeat. */
    OUTBOX_CHECKPOINT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /** Least time between two Kafka requests of the outbox, so that under load events go out together (outbox-publisher.ts). */
    OUTBOX_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(30),
    /** An instance whose checkpoint is older than this is dead: the leader publishes what it left. */
    OUTBOX_DEAD_AFTER_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(15_000),
  };
}

/** The parsed form of `serviceConfigShape`, as the shared lifecycle code needs it. */
export type ServiceConfig = z.output<z.ZodObject<ReturnType<typeof serviceConfigShape>>>;

/** A comma-separated env var as a non-empty list, e.g. KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9094. */
export const csvList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()).min(1, 'expected at least one comma-separated value'));

/**
 * A Kafka client's variables: the brokers, and the user it logs in as with
 * its password (KAFKA_PASSWORD_FILE, as stack/mesh gives it). The user is the
 * service's name, as the broker's ACLs from mesh.json know it; another one
 * (the stack's admin) only where a tool or a test runs the service's code.
 */
export function kafkaConfigShape(service: string) {
  return {
    KAFKA_BROKERS: csvList,
    KAFKA_USERNAME: z.string().min(1).default(service),
    KAFKA_PASSWORD: z.string({ error: "required: the Kafka user's password (KAFKA_PASSWORD_FILE)" }).min(1),
  };
}

/** The Kafka client options of a config made with kafkaConfigShape. */
export function kafkaOptions(config: { KAFKA_BROKERS: string[]; KAFKA_USERNAME: string; KAFKA_PASSWORD: string }) {
  return {
    brokers: config.KAFKA_BROKERS,
    credentials: { username: config.KAFKA_USERNAME, password: config.KAFKA_PASSWORD },
  };
}

/** Exit status for a configuration error (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78;

/** `loadConfig` for `index.ts`: prints the problems and exits instead of throwing. */
export function loadConfigOrExit<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Env = process.env,
): z.output<S> {
  try {
    return loadConfig(service, schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}

/** A signing secret from the environment: required, and at least 32 bytes (HS256 wants 256 bits). */
export const secretSchema = (what: string) =>
  z
    .string({ error: `required: ${what}` })
    .refine((s) => Buffer.byteLength(s) >= MIN_KEY_BYTES, `${what} must be at least ${MIN_KEY_BYTES} bytes`);

/**
 * A store's address with the password given apart (NAME_FILE) put in, in
 * memory only: the URL written to configuration names the user and never
 * carries the secret. Without a password the URL is used as it is.
 */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.href;
}

/**
 * A MongoDB-protocol address with its login: the password put in (as
 * `withPassword`), and, when the URL names a user, FerretDB v1's only
 * mechanism for it: PLAIN against `$external`. FerretDB checks nothing itself
 * and hands the user and password to PostgreSQL, so each client acts as its
 * own PostgreSQL role; a client without a login gets no role at all. A URL
 * without a user (a bare local mongod) is used as it is.
 */
export function mongodbLoginUrl(url: string, password: string | undefined): string {
  const parsed = new URL(withPassword(url, password));
  if (parsed.username === '') return url;
  if (!parsed.searchParams.has('authMechanism')) {
    parsed.searchParams.set('authMechanism', 'PLAIN');
    parsed.searchParams.set('authSource', '$external');
  }
  return parsed.href;
}

/** IDENTITY_SIGNING_KEY (auth-service only): the Ed25519 seed, 32 bytes as hex, as `secret_file` makes them. */
export const identitySigningKeySchema = z
  .string({ error: 'required: the identity signing key' })
  .regex(ED25519_SEED_HEX, 'the identity signing key must be 32 bytes as 64 lowercase hex digits');

/**
 * IDENTITY_JWKS_URL: where a service fetches the public keys that verify the
 * identity the gateway forwards; auth-service at its own address, like
 * Traefik's forward-auth (a gateway route can be claimed by whatever
 * registers in Consul, and the keys vouch for every request).
 */
export const identityJwksUrlSchema = z.url({ protocol: /^https?$/, error: 'required: the URL of the identity keys' });
