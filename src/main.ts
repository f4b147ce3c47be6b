import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, createLogger } from './app.setup.js';
import { startupLines } from './app.startup.js';
import { UsersService } from './identity/users.service.js';
import { ConfigError, loadConfig } from './config/load-config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const app = await createApp(config, logger);
  stopOnSignal(app, logger, config.shutdownTimeout);
  await app.listen({ port: config.port, host: config.host });
  logger.log(`Gatehouse listening on port ${config.port}; issuer ${config.issuer}`, 'Bootstrap');
  const admins = await app.get(UsersService).countActiveAdmins();
  for (const line of startupLines(config, admins)) {
    logger.log(line, 'Bootstrap');
  }
}

/**
 * A graceful stop on SIGTERM (or SIGINT): stop accepting connections, finish the requests in
 * flight, run the shutdown hooks (pending writes), close the database, exit 0 — so a rolling
 * restart of several instances drops nothing. Requests still running after `timeoutSeconds`
 * are given up and the process exits 1.
 */
function stopOnSignal(
  app: NestFastifyApplication,
  logger: LoggerService,
  timeoutSeconds: number,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.log(`${signal}: finishing the requests in flight, then stopping`, 'Shutdown');
    const deadline = setTimeout(() => {
      logger.error(`Requests still running after ${timeoutSeconds}s; exiting`, 'Shutdown');
      process.exit(1);
    }, timeoutSeconds * 1000);
    deadline.unref();
    app.close().then(
      () => {
        logger.log('Stopped', 'Shutdown');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Could not stop cleanly: ${String(error)}`, 'Shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('Gatehouse failed to start:', error);
  }
  process.exit(1);
});
