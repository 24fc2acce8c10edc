import {
  identityJwksUrlSchema,
  kafkaConfigShape,
  serviceConfigShape,
  serviceManifest,
  topicFor,
} from '@feedmesh/common';
import { z } from 'zod';
import { FEED_DEFAULTS } from './feeds.js';

const self = serviceManifest('feed-service');
// The live feed's group is the one `stack/mesh feed-rebuild` rewinds and waits on.
const { rebuild } = self;
if (!rebuild) throw new Error('mesh.json: feed-service declares no rebuild');

export const configSchema = z.object({
  ...serviceConfigShape(self),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  /** This service's own Redis user's password (REDIS_PASSWORD_FILE); the user is in the URL. */
  REDIS_PASSWORD: z.string().min(1).optional(),
  ...kafkaConfigShape('feed-service'),
  /** Where the public keys that verify the identity the gateway forwards are (auth-service's JWKS). */
  IDENTITY_JWKS_URL: identityJwksUrlSchema,
  CONSUMER_GROUP: z.string().min(1).default(rebuild.group),
  /** Least time between two calls of a handler, so that under load a fetch carries several events (consumer.ts in common). */
  CONSUMER_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /** Topic and Redis key prefix: other values let a second feed (a benchmark's) run beside the live one. */
  FEED_TOPIC: z.string().min(1).default(topicFor('post').name),
  /** The follows' topic, likewise: a second feed may read a follow graph of its own. */
  FEED_SOCIAL_TOPIC: z.string().min(1).default(topicFor('user').name),
  /** The revocations' topic, likewise. */
  FEED_AUTH_TOPIC: z.string().min(1).default(topicFor('auth').name),
  FEED_KEY_PREFIX: z.string().min(1).default(FEED_DEFAULTS.prefix),
  FEED_GLOBAL_CAP: z.coerce.number().int().min(1).max(100_000).default(FEED_DEFAULTS.caps.global),
  FEED_USER_CAP: z.coerce.number().int().min(1).max(100_000).default(FEED_DEFAULTS.caps.perUser),
  /** Newest posts kept in each home timeline; at most 5 000, so a page's script never unpacks more ids than Lua takes. */
  FEED_HOME_CAP: z.coerce.number().int().min(1).max(5_000).default(FEED_DEFAULTS.home.cap),
  /** Most home timelines one fan-out call writes: a larger follower set is written in several calls. */
  FEED_FANOUT_CHUNK: z.coerce.number().int().min(1).max(5_000).default(FEED_DEFAULTS.home.fanoutChunk),
  /** Posts of the followee a new follow brings into the home timeline, newest first (at most FEED_HOME_CAP are kept). */
  FEED_HOME_BACKFILL: z.coerce.number().int().min(0).max(5_000).default(FEED_DEFAULTS.home.backfill),
  /** An author with more followers than this is a celebrity: never fanned out, merged into their followers' pages on read. */
  FEED_CELEBRITY_FOLLOWERS: z.coerce.number().int().min(0).default(FEED_DEFAULTS.home.celebrityFollowers),
  /** Days without a read of their home timeline after which a reader is not fanned out to (their next read regenerates it). */
  FEED_INACTIVE_DAYS: z.coerce
    .number()
    .positive()
    .default(FEED_DEFAULTS.home.inactiveAfterMs / 86_400_000),
  /** Changes kept in the changes stream, about: how far back a live stream resumes by Last-Event-ID. */
  FEED_LIVE_WINDOW: z.coerce.number().int().min(100).default(FEED_DEFAULTS.home.liveWindow),
  /** Most live streams one instance holds open; past it, 429. */
  FEED_LIVE_MAX_STREAMS: z.coerce.number().int().min(1).default(FEED_DEFAULTS.live.maxStreams),
  /** Most live streams one client (a user; an address for the public stream) holds open on an instance. */
  FEED_LIVE_MAX_PER_CLIENT: z.coerce.number().int().min(1).default(FEED_DEFAULTS.live.maxPerClient),
  /** A heartbeat (comment line) on an idle live stream this often. */
  FEED_LIVE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(FEED_DEFAULTS.live.heartbeatMs),
  /** The reconnection delay a live stream tells its client (`retry:`). */
  FEED_LIVE_RETRY_MS: z.coerce.number().int().min(0).default(FEED_DEFAULTS.live.retryMs),
  /** Most bytes a live stream may have waiting for a client that does not read, before it is cut. */
  FEED_LIVE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(4096).default(FEED_DEFAULTS.live.maxBufferedBytes),
});
