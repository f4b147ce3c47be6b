import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import type { CliIo, ContextRunner } from './cli-io.js';

/** `db:*`: the database itself. */
export function addDatabaseCommands(program: Command, withApp: ContextRunner, io: CliIo): void {
  program
    .command('db:backup')
    .description(
      'Copy the SQLite database into a new FILE, consistently, while servers keep running',
    )
    .argument('<file>', 'where to write the copy (must not exist yet)')
    .option('--json', 'print machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      const result = await withApp((app, { backupSqlite, getDataSourceToken }) =>
        backupSqlite(app.get<DataSource>(getDataSourceToken()), resolve(file)),
      );
      io.out(
        opts.json
          ? JSON.stringify(result, null, 2)
          : `Backed up the database to ${result.file} (${result.bytes} bytes)`,
      );
    });
}
