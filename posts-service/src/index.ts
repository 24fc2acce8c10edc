import { createKafka, createLogger, instanceId, kafkaHealthCheck, loadConfigOrExit, runService } from '@feedmesh/common';
import { MongoClient } from 'mongodb';
import { createApp, ROUTES } from './app.js';
import { configSchema } from './config.js';

const NAME = 'posts-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

// The driver connects lazily and reconnects by itself; start-up does not wait for MongoDB.
const mongo = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 2_000, appName: NAME });
const db = mongo.db(config.MONGODB_DB);
const kafka = kafkaHealthCheck(createKafka({ clientId: NAME, brokers: config.KAFKA_BROKERS, logger }));

const app = createApp({
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { mongodb: () => db.command({ ping: 1 }), kafka: kafka.check },
});
await runService({ name: NAME, routes: ROUTES, config, logger, app, close: [kafka.close, () => mongo.close()] });
