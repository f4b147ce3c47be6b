import type { INestApplicationContext } from '@nestjs/common';
import type * as Services from './cli-services.js';

/** Where a command prints and reads: the terminal, or a test's buffers. */
export interface CliIo {
  out: (text: string) => void;
  readStdin: () => Promise<string>;
}

/** The service classes commands ask the application for (cli-services.ts, loaded lazily). */
export type CliServices = typeof Services;

/**
 * Opens the application (database and services, no HTTP) for the length of one command, and
 * hands it over with the classes to ask it for.
 */
export type ContextRunner = <T>(
  work: (app: INestApplicationContext, services: CliServices) => Promise<T>,
) => Promise<T>;
