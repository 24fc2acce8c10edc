import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  kafkaPublisher,
  manifest,
  POSTS_TOPIC,
  POST_EVENT_SCHEMA_VERSION,
  topicFor,
  type OutgoingMessage,
  type PostEvent,
} from '@feedmesh/common';
import { bash, repoDir, secret, stack, stackKafka } from '@feedmesh/testkit';

// Issue 13, finding 4, Kafka's part, as an attacker on the same host tries
// it: the broker refuses a client without credentials or with a wrong
// password, and each service's own credentials are refused outside the ACLs
// mesh.json implies (stack/kafka/mesh-auth.sh).

const DLQ = topicFor('post').deadLetter;
/** A service's Kafka user (its name) and its password, as stack/mesh gives them. */
const credentials = (service: string) => ({
  username: service,
  password: secret(`${service.replace(/-/g, '_').toUpperCase()}_${manifest.stores.kafka!.password!}`),
});
const feedGroup = manifest.services['feed-service']!.rebuild!.group;

type Client = ReturnType<typeof stackKafka>;
const closers: Array<() => Promise<void>> = [];
afterAll(() => Promise.all(closers.map((c) => c().catch(() => undefined))));

/** An admin client that is given up on quickly: refusals are what these tests expect. */
async function admin(kafka: Client) {
  const a = kafka.admin({ retry: { retries: 0 } });
  closers.push(() => a.disconnect());
  await a.connect();
  return a;
}

/** The forged event an attacker would publish: a well-formed post.created, which would reach the feeds. */
function forged() {
  const id = randomBytes(12).toString('hex');
  const now = new Date().toISOString();
  const event: PostEvent = {
    id: randomUUID(),
    schema_version: POST_EVENT_SCHEMA_VERSION,
    time: now,
    actor: 'intruder',
    type: 'post.created',
    data: {
      id,
      author_id: 'intruder',
      title: 'forged',
      content: 'forged',
      tags: [],
      created_at: now,
      updated_at: now,
      version: 1,
    },
  };
  return { topic: POSTS_TOPIC, key: id, value: event };
}

async function publish(kafka: Client, messages: OutgoingMessage[]) {
  const publisher = kafkaPublisher(kafka);
  closers.push(() => publisher.close());
  await publisher.publish(messages);
}

/**
 * Joins `group` on `topic` and reads one message from the start of a partition
 * it is given, committing nothing (or fails with the broker's refusal).
 */
async function consumeOne(kafka: Client, group: string, topic: string): Promise<void> {
  const consumer = kafka.consumer({ groupId: group, retry: { retries: 0 } });
  closers.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic });
  await new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
    // Its committed offsets are at the end (the live consumer's): go back to the start of what it is given.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const partition of payload.memberAssignment[topic] ?? []) consumer.seek({ topic, partition, offset: '0' });
    });
    consumer.run({ autoCommit: false, eachMessage: async () => resolve() }).catch(reject);
    setTimeout(() => reject(new Error(`nothing read from ${topic} in 30 s`)), 30_000).unref();
  });
  await consumer.disconnect();
}

// kafkajs reports a group it may not use as a coordinator it cannot find.
const REFUSED = /authoriz|group coordinator/i;

/** What a failed admin call says, its per-topic errors (kafkajs gathers them) and causes included. */
async function refusal(call: Promise<unknown>): Promise<string> {
  const said: string[] = [];
  const walk = (e: unknown): void => {
    if (!(e instanceof Error)) return;
    const { type, errors, cause } = e as Error & { type?: string; errors?: unknown[] };
    said.push(e.message, type ?? '');
    errors?.forEach(walk);
    walk(cause);
  };
  await call.then(
    () => said.push('(it succeeded)'),
    (e: unknown) => walk(e),
  );
  return said.join(' | ');
}

describe('Kafka', () => {
  it('refuses a client without credentials', async () => {
    await expect(admin(stackKafka('intruder', null)).then((a) => a.listTopics())).rejects.toThrow();
  });

  it('refuses a wrong password, for the admin and for a service', async () => {
    for (const username of [stack.kafkaAdmin.username, 'posts-service', 'feed-service'])
      await expect(admin(stackKafka('intruder', { username, password: 'x'.repeat(64) }))).rejects.toThrow(
        /SASL SCRAM SHA256 authentication failed|invalid credentials/i,
      );
  });

  it('locks out, on setting every user of mesh.json, a user mesh.json does not have', async () => {
    // stack/mesh up calls it so; a user left behind (a service renamed, one added by hand) must stop logging in.
    const addUsers = (...users: string[]) =>
      bash([`${repoDir}stack/kafka/mesh-auth.sh`, 'add-users', `${repoDir}mesh.json`, ...users], {
        KAFKA_BOOTSTRAP: stack.kafkaBrokers,
        KAFKA_CONFIGS: `${repoDir}stack/kafka/topics.sh class kafka.admin.ConfigCommand`,
        LEFTOVER_SERVICE_KAFKA_PASSWORD: 'y'.repeat(64),
      });
    expect((await addUsers('leftover-service')).code).toBe(0);
    const leftover = { username: 'leftover-service', password: 'y'.repeat(64) };
    await admin(stackKafka('test-leftover', leftover));
    const all = await addUsers();
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain('Kafka user leftover-service: not in mesh.json, its password replaced');
    expect(all.stderr).not.toContain(`user ${stack.kafkaAdmin.username}: not in mesh.json`);
    await expect(admin(stackKafka('test-leftover', leftover))).rejects.toThrow(
      /SASL SCRAM SHA256 authentication failed|invalid credentials/i,
    );
    await admin(stackKafka('test-posts', credentials('posts-service')));
  });

  it("lets posts-service's user write posts-events, and nothing else", async () => {
    const posts = stackKafka('test-posts', credentials('posts-service'));
    await publish(posts, [forged()]);
    await expect(publish(posts, [{ ...forged(), topic: DLQ }])).rejects.toThrow(/authoriz/i);
    await expect(consumeOne(posts, 'posts-service', POSTS_TOPIC)).rejects.toThrow(REFUSED);
    const a = await admin(posts);
    expect(
      await refusal(
        a.createTopics({ topics: [{ topic: `intruder-${Date.now()}`, numPartitions: 1, replicationFactor: 1 }] }),
      ),
    ).toMatch(/AUTHORIZATION_FAILED/);
    expect(await refusal(a.deleteTopics({ topics: [DLQ], timeout: 5_000 }))).toMatch(/AUTHORIZATION_FAILED/);
  });

  it("keeps feed-service's user from forging a post.created, and lets it consume in its group and dead-letter", async () => {
    const feed = stackKafka('test-feed', credentials('feed-service'));
    await expect(publish(feed, [forged()])).rejects.toThrow(/authoriz/i);
    await publish(feed, [{ topic: DLQ, key: 'security-test', value: 'not an event', headers: { reason: 'test' } }]);
    // In its own group, without committing: the live consumer's offsets stay as they are.
    await consumeOne(feed, feedGroup, POSTS_TOPIC);
    await expect(consumeOne(feed, `intruder-${Date.now()}`, POSTS_TOPIC)).rejects.toThrow(REFUSED);
    const a = await admin(feed);
    expect(await refusal(a.deleteTopics({ topics: [POSTS_TOPIC], timeout: 5_000 }))).toMatch(/AUTHORIZATION_FAILED/);
  });
});
