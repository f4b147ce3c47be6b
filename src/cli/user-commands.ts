import { type Command, Option } from 'commander';
import { CLI_ACTOR } from '../audit/audit-event.js';
import { UserInputError } from '../common/errors.js';
import type { UserEntity } from '../identity/user.entity.js';
import type { UserLifecycle } from '../people/user-lifecycle.service.js';
import { describeUser } from '../people/user-view.js';
import type { CliIo, ContextRunner } from './cli-io.js';

interface JsonOption {
  json?: boolean;
}

function line(user: UserEntity): string {
  const flags = [user.isAdmin && 'admin', user.disabledAt !== null && 'disabled'].filter(Boolean);
  return `${user.id}  ${user.email}${user.name ? `  ${user.name}` : ''}${flags.length ? `  (${flags.join(', ')})` : ''}`;
}

const parseLimit = (value: string): number => {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UserInputError('--limit must be a whole number from 1 to 1000');
  }
  return limit;
};

/** users:list, :disable, :enable, :delete, :set-password, :update — the people's lifecycle. */
export function registerUserCommands(program: Command, withApp: ContextRunner, io: CliIo): void {
  const print = (json: boolean | undefined, data: unknown, text: string) =>
    io.out(json ? JSON.stringify(data, null, 2) : text);
  const lifecycle = <T>(work: (people: UserLifecycle) => Promise<T>) =>
    withApp((app, { UserLifecycle }) => work(app.get(UserLifecycle)));

  program
    .command('users:list')
    .description('List users by email; --search matches part of the email or the name')
    .option('--search <text>', 'only users whose email or name contains this')
    .option('--limit <n>', 'at most this many (default 1000)', parseLimit)
    .option('--json', 'print machine-readable output')
    .action(async (opts: JsonOption & { search?: string; limit?: number }) => {
      const { users } = await withApp((app, { UsersService }) =>
        app.get(UsersService).list({ search: opts.search, limit: opts.limit ?? 1000 }),
      );
      print(opts.json, users.map(describeUser), users.map(line).join('\n') || 'No users.');
    });

  program
    .command('users:disable')
    .description(
      'Disable a user: signed out everywhere, every authorization and token revoked, no sign-in',
    )
    .argument('<id_or_email>')
    .option('--json', 'print machine-readable output')
    .action(async (who: string, opts: JsonOption) => {
      const user = await lifecycle((people) => people.disable(who, CLI_ACTOR));
      print(opts.json, describeUser(user), `Disabled ${user.email}; their access was revoked.`);
    });

  program
    .command('users:enable')
    .description('Let a disabled user sign in again')
    .argument('<id_or_email>')
    .option('--json', 'print machine-readable output')
    .action(async (who: string, opts: JsonOption) => {
      const user = await lifecycle((people) => people.enable(who, CLI_ACTOR));
      print(opts.json, describeUser(user), `Enabled ${user.email}.`);
    });

  program
    .command('users:delete')
    .description('Delete a user with their sessions, authorizations, tokens and Drive files')
    .argument('<id_or_email>')
    .option('--json', 'print machine-readable output')
    .action(async (who: string, opts: JsonOption) => {
      const user = await lifecycle(async (people) => {
        const found = await people.find(who);
        await people.delete(found.id, CLI_ACTOR);
        return found;
      });
      print(opts.json, { id: user.id, deleted: true }, `Deleted ${user.email} (id ${user.id}).`);
    });

  program
    .command('users:set-password')
    .description("Set a user's password (the password policy applies); their sessions end")
    .argument('<id_or_email>')
    .option('--password <password>', 'password (visible in shell history: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print machine-readable output')
    .action(
      async (who: string, opts: JsonOption & { password?: string; passwordStdin?: boolean }) => {
        if (Boolean(opts.password) === Boolean(opts.passwordStdin)) {
          throw new UserInputError('give exactly one of --password or --password-stdin');
        }
        const password = opts.passwordStdin
          ? (await io.readStdin()).replace(/\r?\n$/, '')
          : opts.password!;
        const user = await lifecycle(async (people) => {
          const found = await people.find(who);
          await people.setPassword(found.id, password, CLI_ACTOR);
          return found;
        });
        print(
          opts.json,
          { id: user.id, password_set: true },
          `New password set for ${user.email}.`,
        );
      },
    );

  program
    .command('users:update')
    .description("Change a user's name or admin role")
    .argument('<id_or_email>')
    .addOption(
      new Option('--admin <yes>', 'give or take the admin role').choices(['true', 'false']),
    )
    .option('--name <name>', 'display name ("" removes it)')
    .option('--json', 'print machine-readable output')
    .action(async (who: string, opts: JsonOption & { admin?: string; name?: string }) => {
      if (opts.admin === undefined && opts.name === undefined) {
        throw new UserInputError('give --admin true|false, --name N, or both');
      }
      const name = opts.name?.trim();
      if (name !== undefined && name.length > 200) {
        throw new UserInputError('--name must be at most 200 characters');
      }
      const user = await lifecycle(async (people) =>
        people.update(
          (await people.find(who)).id,
          {
            name: name === undefined ? undefined : name || null,
            admin: opts.admin === undefined ? undefined : opts.admin === 'true',
          },
          CLI_ACTOR,
        ),
      );
      print(opts.json, describeUser(user), `Updated ${user.email}: ${line(user)}`);
    });
}
