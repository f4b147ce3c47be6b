import { UsersService } from '../../src/identity/users.service.js';
import { UserLifecycle } from '../../src/people/user-lifecycle.service.js';
import type { UserView } from '../../src/people/user-view.js';
import { callApi, userApiTokens } from './api.js';
import type { CliRun } from './cli.js';
import type { TestApp } from './test-app.js';

/** What cli-options.e2e-spec.ts lends the checks of the users:* lifecycle commands. */
export interface CliHarness {
  app: TestApp;
  cli: (args: string[], input?: string) => CliRun;
  succeeded: (run: CliRun) => string;
  json: <T = Record<string, unknown>>(args: string[], input?: string) => T;
}

const PASSWORD = 'a long enough passphrase';

/** users:* options and what each test shows (cli-options.e2e-spec.ts's COVERAGE). */
export const USER_COMMAND_COVERAGE: Record<string, Record<string, string>> = {
  'users:list': {
    '--search': 'part of the email or the name, any case',
    '--limit': 'at most that many, by email',
    '--json': 'a line per user; or every user',
  },
  'users:disable': { '--json': 'their token dies, they cannot sign in; or the user' },
  'users:enable': { '--json': 'they sign in again; or the user' },
  'users:delete': { '--json': 'the user is gone; or the id' },
  'users:set-password': {
    '--password': 'that password signs in, the old one not',
    '--password-stdin': 'standard input without its newline signs in',
    '--json': 'a sentence; or the id',
  },
  'users:update': {
    '--admin': 'true gives the role, false takes it',
    '--name': 'renamed; "" removes the name',
    '--json': 'a sentence; or the user',
  },
};

/** The tests of the table above, by command and option. */
export function userCommandChecks(h: CliHarness): Record<string, () => Promise<void>> {
  const users = () => h.app.app.get(UsersService);
  const someone = (name = 'Someone') =>
    h.app.createUser({ name, email: `${name.toLowerCase()}-${Date.now()}@cli.example.com` });
  const signsIn = (email: string, password: string) => users().authenticate(email, password);
  return {
    'users:list --search': async () => {
      const user = await someone('Zebedee');
      const found = h.json<UserView[]>(['users:list', '--search', 'ZEBEDEE']);
      expect(found.map((u) => u.id)).toEqual([user.id]);
    },
    'users:list --limit': async () => {
      await someone('Limited');
      const all = h.json<UserView[]>(['users:list']);
      const two = h.json<UserView[]>(['users:list', '--limit', '2']);
      expect(two).toEqual(all.slice(0, 2));
    },
    'users:list --json': async () => {
      const user = await someone('Listed');
      expect(h.succeeded(h.cli(['users:list', '--search', user.email]))).toBe(
        `${user.id}  ${user.email}  Listed\n`,
      );
      expect(h.json(['users:list', '--search', user.email])).toEqual([
        expect.objectContaining({ id: user.id, email: user.email, admin: false, disabled: false }),
      ]);
    },
    'users:disable --json': async () => {
      const [first, second] = [await someone('Dora'), await someone('Dan')];
      const { accessToken } = await userApiTokens(h.app, first, 'drive.read');
      expect(h.succeeded(h.cli(['users:disable', first.email]))).toBe(
        `Disabled ${first.email}; their access was revoked.\n`,
      );
      // Another process revoked it: the server reads the revocation list within a second.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await callApi(h.app, '/api/drive/files', { token: accessToken })).status).toBe(401);
      expect(await signsIn(first.email, first.password)).toBeNull();
      expect(h.json(['users:disable', second.id])).toMatchObject({ id: second.id, disabled: true });
    },
    'users:enable --json': async () => {
      const user = await someone('Enid');
      await h.app.app.get(UserLifecycle).disable(user.id, { id: 'test' });
      expect(h.succeeded(h.cli(['users:enable', user.email]))).toBe(`Enabled ${user.email}.\n`);
      expect(await signsIn(user.email, user.password)).not.toBeNull();
      expect(h.json(['users:enable', user.id])).toMatchObject({ disabled: false });
    },
    'users:delete --json': async () => {
      const [first, second] = [await someone('Dewey'), await someone('Della')];
      expect(h.succeeded(h.cli(['users:delete', first.email]))).toBe(
        `Deleted ${first.email} (id ${first.id}).\n`,
      );
      expect(h.json(['users:delete', second.id])).toEqual({ id: second.id, deleted: true });
      expect(await users().findById(first.id)).toBeNull();
      expect(await users().findById(second.id)).toBeNull();
    },
    'users:set-password --password': async () => {
      const user = await someone('Pat');
      h.succeeded(h.cli(['users:set-password', user.email, '--password', PASSWORD]));
      expect(await signsIn(user.email, PASSWORD)).not.toBeNull();
      expect(await signsIn(user.email, user.password)).toBeNull();
    },
    'users:set-password --password-stdin': async () => {
      const user = await someone('Stan');
      h.succeeded(h.cli(['users:set-password', user.id, '--password-stdin'], `${PASSWORD}\n`));
      expect(await signsIn(user.email, PASSWORD)).not.toBeNull();
    },
    'users:set-password --json': async () => {
      const user = await someone('Jason');
      expect(h.succeeded(h.cli(['users:set-password', user.id, '--password', PASSWORD]))).toBe(
        `New password set for ${user.email}.\n`,
      );
      expect(h.json(['users:set-password', user.id, '--password', `${PASSWORD}!`])).toEqual({
        id: user.id,
        password_set: true,
      });
    },
    'users:update --admin': async () => {
      const user = await someone('Addie');
      expect(h.json(['users:update', user.email, '--admin', 'true']).admin).toBe(true);
      expect((await users().findById(user.id))?.isAdmin).toBe(true);
      expect(h.json(['users:update', user.email, '--admin', 'false']).admin).toBe(false);
      expect((await users().findById(user.id))?.isAdmin).toBe(false);
    },
    'users:update --name': async () => {
      const user = await someone('Nemo');
      expect(h.json(['users:update', user.id, '--name', ' Captain ']).name).toBe('Captain');
      expect(h.json(['users:update', user.id, '--name', '']).name).toBeNull();
      expect((await users().findById(user.id))?.name).toBeNull();
    },
    'users:update --json': async () => {
      const user = await someone('Ursula');
      expect(h.succeeded(h.cli(['users:update', user.id, '--name', 'Ursa']))).toBe(
        `Updated ${user.email}: ${user.id}  ${user.email}  Ursa\n`,
      );
      expect(h.json(['users:update', user.id, '--admin', 'true'])).toMatchObject({
        id: user.id,
        name: 'Ursa',
        admin: true,
      });
    },
  };
}

/** At least one refused run per users:* command: [command, args, message]. */
export const USER_COMMAND_MISTAKES: [string, string[], string][] = [
  ['users:list', ['--limit', '0'], 'error: --limit must be a whole number from 1 to 1000'],
  ['users:disable', ['nobody@example.com'], 'error: no user with email nobody@example.com'],
  ['users:enable', [], "error: missing required argument 'id_or_email'"],
  ['users:delete', ['a', 'b'], "error: too many arguments for 'users:delete'"],
  ['users:delete', ['no-such-id'], 'error: no user with id no-such-id'],
  [
    'users:set-password',
    ['x@example.com', '--password', PASSWORD, '--password-stdin'],
    'error: give exactly one of --password or --password-stdin',
  ],
  ['users:update', ['x@example.com'], 'error: give --admin true|false, --name N, or both'],
  [
    'users:update',
    ['x@example.com', '--admin', 'yes'],
    "error: option '--admin <yes>' argument 'yes' is invalid. Allowed choices are true, false.",
  ],
];
