// Readiness probe for a rebuild (`stack/mesh <name>-rebuild`): exits 0 once a
// consumer group has caught up with every partition of every topic given,
// measured the way the services measure their own lag (@feedmesh/common's
// KafkaAdmin). It asks again every 200 ms for up to [seconds] (default: once),
// over one connection: starting node and the client costs more than a second here.
// Usage: KAFKA_USERNAME=… KAFKA_PASSWORD_FILE=… node stack/lib/consumer-lag.mjs <brokers> <group> <topic[,topic...]> [seconds]
// (the password in a file, so that no process listing shows it).
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka, createLogger, KafkaAdmin } from '@feedmesh/common';

const [brokers, group, topics, seconds = '0'] = process.argv.slice(2);
const logger = createLogger('stack', 'silent');
const credentials = {
  username: process.env.KAFKA_USERNAME,
  password: readFileSync(process.env.KAFKA_PASSWORD_FILE, 'utf8').trim(),
};
const admin = new KafkaAdmin(createKafka({ clientId: 'stack-mesh', brokers: brokers.split(','), credentials, logger }));
const deadline = Date.now() + Number(seconds) * 1000;

async function caughtUp() {
  for (;;) {
    const lag = await Promise.all(topics.split(',').map((topic) => admin.lag(group, topic)))
      .then((perTopic) => perTopic.flat())
      .catch((err) => console.error(String(err)));
    const done = !!lag && lag.length > 0 && lag.every((p) => p.lag === 0);
    if (done || Date.now() >= deadline) {
      if (lag) console.log(JSON.stringify(lag));
      return done;
    }
    await sleep(200);
  }
}

const done = await caughtUp();
await admin.close().catch(() => {});
process.exit(done ? 0 : 1);
