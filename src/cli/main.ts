import 'reflect-metadata';
import { CommanderError } from 'commander';
import { UserInputError } from '../common/errors.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { buildProgram } from './commands.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram(
    async (work) => {
      const config = loadConfig();
      // Loaded only now: `--help` and usage errors need none of it (most of the start-up time).
      const [{ NestFactory }, { CliModule }, services] = await Promise.all([
        import('@nestjs/core'),
        import('./cli.module.js'),
        import('./cli-services.js'),
      ]);
      const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
        logger: ['error'],
        abortOnError: false,
      });
      try {
        return await work(app, services);
      } finally {
        await app.close();
      }
    },
    { out: (text) => console.log(text), readStdin },
  );
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed help or the usage problem.
      return error.exitCode;
    }
    if (error instanceof UserInputError || error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    console.error('error: unexpected failure', error);
    return 1;
  }
}

process.exitCode = await main(process.argv);
