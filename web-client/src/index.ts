import { createApp, createLogger, instanceId, loadConfigOrExit, runService } from '@feedmesh/common';
import { listAssets } from './assets.js';
import { configSchema } from './config.js';
import { clientRoutes } from './routes.js';

const NAME = 'web-client';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);
const instance = instanceId(NAME, config.SERVICE_ADDRESS, config.PORT);

// No store and no user route: its health is that it serves, and it verifies no identity.
const assets = listAssets(config.ASSETS_DIR);
logger.info({ dir: config.ASSETS_DIR, files: [...assets.keys()] }, 'serving the client');
const app = createApp({ service: NAME, logger, instance, checks: {}, routes: clientRoutes(assets) });
await runService({ app, config, logger });
