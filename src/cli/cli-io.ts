import type { INestApplicationContext } from '@nestjs/common';

/** Where a command prints and reads: the terminal, or a test's buffers. */
export interface CliIo {
  out: (text: string) => void;
  readStdin: () => Promise<string>;
}

/** Opens the application (database and services, no HTTP) for the length of one command. */
export type ContextRunner = <T>(work: (app: INestApplicationContext) => Promise<T>) => Promise<T>;
