import { POSTS_TOPIC, topicFor } from '@feedmesh/common';
import { stackKafka } from '@feedmesh/testkit';

/**
 * A topic of a benchmark's own, laid out like the posts topic (no dead-letter
 * topic: nothing consumes it but what the benchmark starts), with the client
 * that made it, and how to remove it.
 */
export async function scratchPostsTopic(name: string) {
  const kafka = stackKafka('bench');
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${POSTS_TOPIC}-${name}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: topicFor('post').partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const remove = async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  };
  return { kafka, topic, remove };
}
