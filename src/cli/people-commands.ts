import type { Command } from 'commander';
import { CLI_ACTOR } from '../audit/audit-event.js';
import type { ContextRunner } from './cli-io.js';

/** What these commands print with (commands.ts's CliIo; not imported, to keep no cycle). */
interface Output {
  out: (text: string) => void;
}

interface UsersInviteOptions {
  email: string;
  name?: string;
  admin?: boolean;
  json?: boolean;
}

/**
 * The people commands of the lifecycle's mail side: `users:invite`. The invitation goes out by
 * email (or into DATA_DIR/outbox without SMTP_URL); the link is printed too, for an operator
 * whose server sends no mail yet.
 */
export function addPeopleCommands(program: Command, withApp: ContextRunner, io: Output): void {
  program
    .command('users:invite')
    .description(
      'Invite an email address: it gets a link (valid 7 days) to choose a name and password',
    )
    .requiredOption('--email <email>', 'the address to invite')
    .option('--name <name>', 'suggested display name (the person may change it)')
    .option('--admin', 'the account gets the admin role')
    .option('--json', 'print machine-readable output')
    .action(async (opts: UsersInviteOptions) => {
      const sent = await withApp((app, { Invitations }) =>
        app
          .get(Invitations)
          .invite({ email: opts.email, name: opts.name, admin: opts.admin ?? false }, CLI_ACTOR),
      );
      const data = { email: sent.email, link: sent.link, expires_at: sent.expiresAt.toISOString() };
      io.out(
        opts.json
          ? JSON.stringify(data, null, 2)
          : `Invited ${sent.email}; the link works once, until ${data.expires_at}:\n${sent.link}`,
      );
    });
}
