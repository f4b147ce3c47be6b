import { Command, Option } from 'commander';
import { UserInputError } from '../common/errors.js';
import { parseDurationOrZero } from '../config/duration.js';
import type { CliIo, ContextRunner } from './cli-io.js';
import { addDatabaseCommands } from './database-commands.js';
import { CLIENT_TYPES } from '../oauth/clients/client-types.js';
import { describeClient } from '../oauth/clients/client-view.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { registerUserCommands } from './user-commands.js';
import { addPeopleCommands } from './people-commands.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function print(io: CliIo, json: boolean | undefined, data: unknown, text: string): void {
  io.out(json ? JSON.stringify(data, null, 2) : text);
}

/** `--grace 0`, `--grace 90s`, `--grace 12h`, ... in seconds. */
function parseGrace(value: string): number {
  const seconds = parseDurationOrZero(value);
  if (seconds === undefined) {
    throw new UserInputError(`--grace must be 0 or a duration such as 600, 90s, 10m, 12h or 30d`);
  }
  return seconds;
}

/** Every command's `--json`. */
interface JsonOption {
  json?: boolean;
}

/** What commander parses for each command (the declarations below say the same). */
interface UsersCreateOptions extends JsonOption {
  email: string;
  password?: string;
  passwordStdin?: boolean;
  name?: string;
  admin?: boolean;
}

interface ClientsCreateOptions extends JsonOption {
  name: string;
  type: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  scope?: string;
  introspection?: boolean;
  logoUri?: string;
  homepage?: string;
  scopeRemoval: boolean;
  firstParty?: boolean;
}

interface RotateOptions extends JsonOption {
  grace?: number;
}

/** Builds the `gatehouse` command tree; `withApp` opens the database only for the command run. */
export function buildProgram(withApp: ContextRunner, io: CliIo): Command {
  const program = new Command('npm run cli --')
    .description('Manage Gatehouse users, applications, keys and tokens')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('users:create')
    .description('Create a user who can sign in')
    .requiredOption('--email <email>', 'email address, used to sign in')
    .option('--password <password>', 'password (visible in shell history: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--name <name>', 'display name')
    .option('--admin', 'give the user the admin role')
    .option('--json', 'print machine-readable output')
    .action(async (opts: UsersCreateOptions) => {
      if (Boolean(opts.password) === Boolean(opts.passwordStdin)) {
        throw new UserInputError('give exactly one of --password or --password-stdin');
      }
      const password = opts.passwordStdin
        ? (await io.readStdin()).replace(/\r?\n$/, '')
        : opts.password!;
      const user = await withApp((app, { UsersService }) =>
        app.get(UsersService).create({
          email: opts.email,
          password,
          name: opts.name,
          admin: opts.admin,
        }),
      );
      const data = { id: user.id, email: user.email, name: user.name, admin: user.isAdmin };
      print(io, opts.json, data, `Created user ${user.email} (id ${user.id})`);
    });

  registerUserCommands(program, withApp, io);

  program
    .command('clients:create')
    .description('Register an application (OAuth client)')
    .requiredOption('--name <name>', 'name shown to users on the consent page')
    .addOption(
      new Option('--type <type>', 'application type')
        .choices([...CLIENT_TYPES])
        .makeOptionMandatory(),
    )
    .option(
      '--redirect-uri <uri>',
      'redirect URI, exactly as the app sends it (repeatable)',
      collect,
    )
    .option(
      '--post-logout-redirect-uri <uri>',
      'where to return after sign-out (repeatable)',
      collect,
    )
    .option(
      '--scope <scopes>',
      'space-separated scopes the app may request (default: all it can use)',
    )
    .option('--introspection', 'a resource server allowed to call the introspection endpoint')
    .option('--logo-uri <url>', "https URL of the app's logo, shown to users")
    .option('--homepage <url>', "the app's homepage, linked for users")
    .option(
      '--no-scope-removal',
      'users may only revoke the whole authorization, not single scopes',
    )
    .option('--first-party', 'your own app: consent is remembered even for native apps and devices')
    .option('--json', 'print machine-readable output')
    .action(async (opts: ClientsCreateOptions) => {
      const { client, clientSecret } = await withApp((app, { ClientsService }) =>
        app.get(ClientsService).create({
          name: opts.name,
          type: opts.type,
          redirectUris: opts.redirectUri,
          postLogoutRedirectUris: opts.postLogoutRedirectUri,
          scope: opts.scope,
          introspection: opts.introspection,
          logoUri: opts.logoUri,
          clientUri: opts.homepage,
          allowScopeRemoval: opts.scopeRemoval,
          firstParty: opts.firstParty,
        }),
      );
      const data = {
        ...describeClient(client),
        ...(clientSecret ? { client_secret: clientSecret } : {}),
      };
      const lines = [
        `Created ${client.type} application "${client.name}"`,
        `client_id:     ${client.id}`,
      ];
      if (clientSecret) {
        lines.push(
          `client_secret: ${clientSecret}`,
          'Store the secret now: it is not shown again.',
        );
      }
      print(io, opts.json, data, lines.join('\n'));
    });

  program
    .command('clients:list')
    .description('List registered applications')
    .option('--json', 'print machine-readable output')
    .action(async (opts: JsonOption) => {
      const clients = await withApp((app, { ClientsService }) => app.get(ClientsService).list());
      const text = clients.length
        ? clients.map((c) => `${c.id}  ${c.type.padEnd(7)}  ${c.name}`).join('\n')
        : 'No applications registered.';
      print(
        io,
        opts.json,
        clients.map((client) => describeClient(client)),
        text,
      );
    });

  program
    .command('clients:rotate-secret')
    .description(
      'Give a confidential application a new secret; the old one keeps working for a grace period',
    )
    .argument('<client_id>')
    .option(
      '--grace <duration>',
      'how long the old secret keeps working (default: CLIENT_SECRET_GRACE, 24h; 0 = not at all)',
      parseGrace,
    )
    .option('--json', 'print machine-readable output')
    .action(async (clientId: string, opts: RotateOptions) => {
      const rotated = await withApp((app, { ClientsService }) =>
        app.get(ClientsService).rotateSecret(clientId, { graceSeconds: opts.grace }),
      );
      const until = rotated.previousSecretExpiresAt
        ? new Date(rotated.previousSecretExpiresAt).toISOString()
        : null;
      print(
        io,
        opts.json,
        {
          client_id: clientId,
          client_secret: rotated.clientSecret,
          previous_secret_expires_at: until,
        },
        `client_secret: ${rotated.clientSecret}\nStore the secret now: it is not shown again.\n` +
          (until
            ? `The previous secret keeps working until ${until}; end that now with clients:revoke-secret.`
            : 'The previous secret no longer works.'),
      );
    });

  program
    .command('clients:revoke-secret')
    .description('End the grace period of the secret a rotation replaced: it stops working now')
    .argument('<client_id>')
    .option('--json', 'print machine-readable output')
    .action(async (clientId: string, opts: JsonOption) => {
      const revoked = await withApp((app, { ClientsService }) =>
        app.get(ClientsService).revokePreviousSecret(clientId),
      );
      print(
        io,
        opts.json,
        { client_id: clientId, revoked },
        revoked
          ? `The previous secret of ${clientId} no longer works.`
          : `${clientId} had no previous secret still working; nothing changed.`,
      );
    });

  program
    .command('clients:delete')
    .description('Delete an application and revoke every grant and token it holds')
    .argument('<client_id>')
    .option('--json', 'print machine-readable output')
    .action(async (clientId: string, opts: JsonOption) => {
      await withApp((app, { ClientsService }) => app.get(ClientsService).delete(clientId));
      print(
        io,
        opts.json,
        { client_id: clientId, deleted: true },
        `Deleted application ${clientId}`,
      );
    });

  program
    .command('keys:rotate')
    .description('Add a new generation of signing keys (running servers sign with it within 5 s)')
    .option('--json', 'print machine-readable output')
    .action(async (opts: JsonOption) => {
      const result = await withApp(async (app, { KeysService }) => {
        const keys = app.get(KeysService);
        await keys.load();
        return keys.rotateSigningKeys();
      });
      print(
        io,
        opts.json,
        result,
        `New signing keys: ${result.added.join(', ')}\n` +
          'The previous keys stay published until keys:retire.',
      );
    });

  program
    .command('keys:retire')
    .description(
      'Remove the signing keys older than the newest generation, once no token they signed can be valid',
    )
    .option('--force', 'retire them now: tokens they signed stop working at once')
    .option('--json', 'print machine-readable output')
    .action(async (opts: JsonOption & { force?: boolean }) => {
      const result = await withApp(async (app, { KeysService }) => {
        const keys = app.get(KeysService);
        const config = app.get<AppConfig>(APP_CONFIG);
        await keys.load();
        const longest = Math.max(config.ttl.accessToken, config.ttl.idToken) * 1000;
        return keys.retireSigningKeys(longest, { force: opts.force });
      });
      print(
        io,
        opts.json,
        result,
        result.retired.length
          ? `Retired keys: ${result.retired.join(', ')}\nSigning keys: ${result.kept.join(', ')}`
          : 'Nothing to retire: only the newest generation is published.',
      );
    });

  program
    .command('tokens:purge')
    .description(
      'Delete expired sessions, codes, tokens, grants, counters, personal tokens and emailed links, and audit events older than AUDIT_RETENTION (run it from cron)',
    )
    .option('--json', 'print machine-readable output')
    .action(async (opts: JsonOption) => {
      const deleted = await withApp((app, { ExpiredRowsPurge }) =>
        app.get(ExpiredRowsPurge).purgeExpired(),
      );
      print(io, opts.json, { deleted }, `Deleted ${deleted} expired row(s)`);
    });

  addDatabaseCommands(program, withApp, io);
  addPeopleCommands(program, withApp, io);
  return program;
}
