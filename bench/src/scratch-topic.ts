import { topicFor } from '@feedmesh/common';
import { stackKafka } from '@feedmesh/testkit';

/**
 * A topic of a benchmark's own, laid out like one of mesh.json's (the posts
 * topic unless told; no dead-letter topic: nothing consumes it but what the
 * benchmark starts), with the client that made it, and how to remove it.
 */
export async function scratchTopic(name: string, like: 'post' | 'user' = 'post') {
  const kafka = stackKafka('bench');
  const admin = kafka.admin();
  await admin.connect();
  const layout = topicFor(like);
  const topic = `${layout.name}-${name}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: layout.partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const remove = async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  };
  return { kafka, topic, remove };
}
