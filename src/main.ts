import 'reflect-metadata';
import { createApp, createLogger } from './app.setup.js';
import { ConfigError, loadConfig } from './config/load-config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const app = await createApp(config, logger);
  // Close the database and finish in-flight requests on SIGTERM/SIGINT.
  app.enableShutdownHooks();
  await app.listen({ port: config.port, host: config.host });
  logger.log(`Gatehouse listening on port ${config.port}; issuer ${config.issuer}`, 'Bootstrap');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('Gatehouse failed to start:', error);
  }
  process.exit(1);
});
