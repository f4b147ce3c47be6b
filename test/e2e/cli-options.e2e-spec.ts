import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { DataSource, In } from 'typeorm';
import { buildProgram } from '../../src/cli/commands.js';
import { UsersService } from '../../src/identity/users.service.js';
import { EmailLinksStore } from '../../src/people/email-links.store.js';
import { OidcPayloadEntity } from '../../src/tokens/oidc-payload.entity.js';
import { CLIENT_TYPES } from '../../src/oauth/clients/client.entity.js';
import type { ClientView } from '../../src/oauth/clients/client-view.js';
import { KeyEntity } from '../../src/keys/key.entity.js';
import { codeFlowTokens, postForm } from '../support/api.js';
import { buildCli, runCli, type CliRun } from '../support/cli.js';
import {
  USER_COMMAND_COVERAGE,
  USER_COMMAND_MISTAKES,
  userCommandChecks,
} from '../support/cli-user-checks.js';
import {
  authorizationRequest,
  discover,
  expectPage,
  oidc,
  runCodeFlow,
  signIn,
} from '../support/oauth-client.js';
import { cliExamples, cliTable, optionMentions, readReadme } from '../support/readme-cli.js';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * The CLI against its documentation: the README's CLI table and every CLI option the README
 * mentions are compared with the commander program, and every option of every command is run
 * as users run it (the built program in its own process) with its effect checked.
 */

const README = readReadme();

/** The program `npm run cli` runs; only inspected here, never run in-process. */
const PROGRAM = buildProgram(() => Promise.reject(new Error('not run in-process')), {
  out: () => undefined,
  readStdin: () => Promise.resolve(''),
});
const COMMANDS = PROGRAM.commands.map((command) => command.name());

function commandNamed(name: string): Command {
  const command = PROGRAM.commands.find((c) => c.name() === name);
  if (!command) {
    throw new Error(`the program has no command ${name}`);
  }
  return command;
}

/** Whether giving the option twice keeps both values (`--redirect-uri A --redirect-uri B`). */
function collects(option: Option): boolean {
  const probe = option.argChoices?.[0] ?? 'b';
  try {
    return JSON.stringify(option.parseArg?.(probe, ['a'])) === JSON.stringify(['a', probe]);
  } catch {
    return false;
  }
}

describe('the README documents the CLI the program declares', () => {
  const table = cliTable(README);

  it('its CLI table lists every command, and only those', () => {
    expect(table.map((row) => row.name).sort()).toEqual([...COMMANDS].sort());
  });

  it.each(table.map((row) => [row.name, row]))(
    '%s: the options of its usage line are declared, as shown',
    (name, row) => {
      const command = commandNamed(name);
      const declared = command.options.filter((o) => o.long !== '--json');
      // --json is documented once for every command, above the table.
      expect(declared.map((o) => o.long).sort()).toEqual(row.options.map((o) => o.long).sort());
      for (const documented of row.options) {
        const option = command.options.find((o) => o.long === documented.long)!;
        expect({
          long: option.long,
          mandatory: option.mandatory,
          takesValue: option.required || option.optional,
          choices: option.argChoices,
          repeatable: collects(option),
        }).toEqual({
          long: documented.long,
          mandatory: documented.mandatory,
          takesValue: documented.takesValue,
          choices: documented.choices,
          repeatable: documented.repeatable,
        });
      }
      expect(command.registeredArguments.map((a) => a.required)).toEqual(
        row.positionals.map(() => true),
      );
    },
  );

  it('every command has --json', () => {
    for (const command of PROGRAM.commands) {
      expect([command.name(), command.options.some((o) => o.long === '--json')]).toEqual([
        command.name(),
        true,
      ]);
    }
  });

  const mentions = optionMentions(README);

  it('the README mentions options in many places (the parser finds them)', () => {
    expect(mentions.length).toBeGreaterThanOrEqual(10);
    expect(mentions.map((m) => m.text)).toContain('--first-party');
  });

  it.each(mentions)('"$text": every option is one its command declares', ({ command, options }) => {
    const candidates = command ? [commandNamed(command)] : PROGRAM.commands;
    for (const option of options) {
      const declared =
        option === '--help' || candidates.some((c) => c.options.some((o) => o.long === option));
      expect([option, declared]).toEqual([option, true]);
    }
  });
});

describe('every CLI option, run', () => {
  const OUT_DIR = 'dist/e2e-cli-options';
  const PASSWORD = 'correct horse battery';
  // Its own build folder: cli.e2e-spec.ts may be rebuilding dist/ at the same time.
  beforeAll(() => buildCli(OUT_DIR), 180_000);
  const setup = useTestApp();

  const cli = (args: string[], input?: string): CliRun =>
    runCli(args, { outDir: OUT_DIR, input, env: { ...setup.app.environment, LOG_LEVEL: 'error' } });

  function succeeded(run: CliRun): string {
    expect(run).toMatchObject({ status: 0, stderr: '' });
    return run.stdout;
  }

  /** Runs the command with --json and parses its output. */
  function json<T = Record<string, unknown>>(args: string[], input?: string): T {
    return JSON.parse(succeeded(cli([...args, '--json'], input))) as T;
  }

  type Created = ClientView & { client_secret?: string };
  const WEB_URI = 'https://web.example.com/cb';
  const NATIVE_URI = 'http://127.0.0.1/callback';
  const create = (...args: string[]) => json<Created>(['clients:create', ...args]);
  const createWeb = (...args: string[]) =>
    create('--name', 'Web', '--type', 'web', '--redirect-uri', WEB_URI, ...args);
  const createService = (...args: string[]) =>
    create('--name', 'Service', '--type', 'service', ...args);
  const listed = (id: string) =>
    json<ClientView[]>(['clients:list']).find((c) => c.client_id === id);
  const asTestClient = (created: Created, redirectUri = WEB_URI): TestClient => ({
    clientId: created.client_id,
    clientSecret: created.client_secret,
    redirectUri,
  });

  const signsIn = (email: string, password: string) =>
    setup.app.app.get(UsersService).authenticate(email, password);

  /** The status of a client_credentials token request. */
  async function tokenStatus(
    created: Created,
    secret = created.client_secret!,
    scope = 'drive.read',
  ) {
    const { app } = setup;
    const client = { ...asTestClient(created), clientSecret: secret };
    return (
      await postForm(app, '/oauth/token', { grant_type: 'client_credentials', scope }, client)
    ).status;
  }

  /** Whether an authorization request with `redirectUri` goes on to sign-in (not an error page). */
  async function redirectAccepted(created: Created, redirectUri: string): Promise<boolean> {
    const { app } = setup;
    const client = asTestClient(created, redirectUri);
    const request = await authorizationRequest(await discover(app, client), client);
    const visit = await new UserAgent(app.issuer).get(request.url.href);
    return visit.status === 200 && visit.body.includes('<h1 id="page-title">Sign in</h1>');
  }

  /** Whether sign-out offers to return to `uri` (it shows the confirmation, not a 400). */
  async function signOutReturnsTo(created: Created, uri: string): Promise<boolean> {
    const { app, user } = setup;
    const client = asTestClient(created);
    const config = await discover(app, client);
    const ua = new UserAgent(app.issuer);
    const { tokens } = await runCodeFlow(ua, config, client, user);
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: uri,
    });
    const visit = await ua.get(url.href);
    return visit.status === 200 && visit.body.includes('Do you want to sign out of Gatehouse');
  }

  /** Whether a native app's user, who allowed it once, is asked to consent again. */
  async function consentAskedAgain(created: Created): Promise<boolean> {
    const { app, user } = setup;
    const client = asTestClient(created, NATIVE_URI);
    const config = await discover(app, client);
    const ua = new UserAgent(app.issuer);
    await runCodeFlow(ua, config, client, user, { scope: 'openid' });
    const request = await authorizationRequest(config, client, { scope: 'openid' });
    const again = await ua.get(request.url.href);
    if (again.location) {
      return false;
    }
    expectPage(again, 'wants to access your account');
    return true;
  }

  /** A new user's /account/apps page after allowing the web app. */
  async function connectedAppsPage(created: Created): Promise<string> {
    const { app } = setup;
    const someone = await app.createUser();
    await codeFlowTokens(app, someone, 'openid drive.read drive.write', asTestClient(created));
    const ua = new UserAgent(app.issuer);
    const page = await signIn(ua, await ua.get('/account/apps'), someone);
    expectPage(page, 'Connected apps');
    return page.body;
  }

  /**
   * Every option of every command, and what its test shows (--help: further down). The first
   * test below checks that the program declares exactly these.
   */
  const COVERAGE: Record<string, Record<string, string>> = {
    'users:invite': {
      '--email': 'lower-cased, an invitation link for it is printed and written to the outbox',
      '--name': 'suggested on the invitation page',
      '--admin': 'the invitation gives the admin role; none without it',
      '--json': 'the address, the link and when it expires',
    },
    'users:create': {
      '--email': 'lower-cased, it signs in',
      '--password': 'that password signs in, no other',
      '--password-stdin': 'standard input without its newline signs in',
      '--name': 'stored as the display name',
      '--admin': 'the admin role; none without it',
      '--json': 'a sentence; or id, email, name, admin',
    },
    'clients:create': {
      '--name': 'trimmed, stored',
      '--type': 'each type; a secret for web and service only',
      '--redirect-uri': 'repeatable; each one works, no other',
      '--post-logout-redirect-uri': 'repeatable; sign-out returns to each',
      '--scope': 'the app may have those scopes only',
      '--introspection': 'may introspect; others get 403',
      '--logo-uri': "shown on the user's connected apps page",
      '--homepage': 'linked on the connected apps page',
      '--no-scope-removal': 'users cannot remove single scopes',
      '--first-party': 'a native app is not asked to consent again',
      '--token-exchange': "exchanges a user's token for the API; others: unauthorized_client",
      '--require-mfa': 'a user without a second factor is sent to set one up',
      '--json': 'lines with the id (and secret); or the app',
    },
    'clients:list': {
      '--json': 'a line per app; or every app, no secret',
    },
    'clients:rotate-secret': {
      '--grace': '90s: the old secret works until then; 0: not at all',
      '--json': 'the secret and until when the old one works',
    },
    'clients:revoke-secret': {
      '--json': 'the old secret stops now; whether one did',
    },
    'clients:delete': {
      '--json': 'the app is gone and cannot authenticate',
    },
    'keys:rotate': {
      '--json': 'the new key ids, stored as signing keys; none removed',
    },
    'keys:retire': {
      '--force': 'retires before the previous tokens expire',
      '--json': 'retired and kept ids; refused while tokens may be valid',
    },
    'tokens:purge': {
      '--json': 'how many expired rows it deleted',
    },
    'db:backup': {
      '--json': 'the copy and its size; on PostgreSQL, pg_dump is named',
    },
    ...USER_COMMAND_COVERAGE,
  };

  /** The tests of the table above, by command and option. */
  const CHECKS: Record<string, () => void | Promise<void>> = {
    ...userCommandChecks({
      get app() {
        return setup.app;
      },
      cli,
      succeeded,
      json,
    }),
    'users:invite --email': () => {
      const invited = json<{ email: string; link: string }>([
        'users:invite',
        '--email',
        'Nia@Example.COM',
      ]);
      expect(invited.email).toBe('nia@example.com');
      expect(invited.link).toMatch(new RegExp(`^${setup.app.issuer}/invite/[\\w-]{43}$`));
      const outbox = join(setup.app.environment.DATA_DIR, 'outbox');
      const mails = readdirSync(outbox).map((file) => readFileSync(join(outbox, file), 'utf8'));
      expect(mails.some((mail) => mail.includes(invited.link))).toBe(true);
    },
    'users:invite --name': async () => {
      const { link } = json<{ link: string }>([
        'users:invite',
        '--email',
        'oli@example.com',
        '--name',
        'Oli Example',
      ]);
      expect((await new UserAgent(setup.app.issuer).get(link)).body).toContain(
        'value="Oli Example"',
      );
    },
    'users:invite --admin': async () => {
      const token = (args: string[]) =>
        json<{ link: string }>(['users:invite', ...args])
          .link.split('/')
          .pop()!;
      const links = setup.app.app.get(EmailLinksStore);
      const admin = await links.find(
        'invitation',
        token(['--email', 'pat@example.com', '--admin']),
      );
      const plain = await links.find('invitation', token(['--email', 'quin@example.com']));
      expect([admin?.link.data.admin, plain?.link.data.admin]).toEqual([true, false]);
    },
    'users:invite --json': () => {
      expect(succeeded(cli(['users:invite', '--email', 'rae@example.com']))).toMatch(
        /^Invited rae@example\.com; the link works once, until \S+:\nhttp\S+\/invite\/[\w-]{43}\n$/,
      );
      expect(Object.keys(json(['users:invite', '--email', 'sam@example.com']))).toEqual([
        'email',
        'link',
        'expires_at',
      ]);
    },
    'users:create --email': async () => {
      const created = json(['users:create', '--email', 'Eve@Example.COM', '--password', PASSWORD]);
      expect(created.email).toBe('eve@example.com');
      expect((await signsIn('eve@example.com', PASSWORD))?.id).toBe(created.id);
    },
    'users:create --password': async () => {
      json(['users:create', '--email', 'frank@example.com', '--password', PASSWORD]);
      expect(await signsIn('frank@example.com', PASSWORD)).not.toBeNull();
      expect(await signsIn('frank@example.com', `${PASSWORD}!`)).toBeNull();
    },
    'users:create --password-stdin': async () => {
      json(['users:create', '--email', 'gina@example.com', '--password-stdin'], `${PASSWORD}\n`);
      expect(await signsIn('gina@example.com', PASSWORD)).not.toBeNull();
      expect(await signsIn('gina@example.com', `${PASSWORD}\n`)).toBeNull();
    },
    'users:create --name': async () => {
      const args = ['users:create', '--email', 'hal@example.com', '--password', PASSWORD];
      expect(json([...args, '--name', 'Hal Example']).name).toBe('Hal Example');
      expect((await signsIn('hal@example.com', PASSWORD))?.name).toBe('Hal Example');
    },
    'users:create --admin': async () => {
      const args = (email: string) => ['users:create', '--email', email, '--password', PASSWORD];
      expect(json([...args('ida@example.com'), '--admin']).admin).toBe(true);
      expect(json(args('jo@example.com')).admin).toBe(false);
      expect((await signsIn('ida@example.com', PASSWORD))?.isAdmin).toBe(true);
      expect((await signsIn('jo@example.com', PASSWORD))?.isAdmin).toBe(false);
    },
    'users:create --json': () => {
      const args = (email: string) => ['users:create', '--email', email, '--password', PASSWORD];
      expect(succeeded(cli(args('kim@example.com')))).toMatch(
        /^Created user kim@example\.com \(id [0-9a-f-]{36}\)\n$/,
      );
      expect(json(args('lee@example.com'))).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: 'lee@example.com',
        name: null,
        admin: false,
      });
    },
    'clients:create --name': () => {
      const created = create('--name', '  Web shop ', '--type', 'service');
      expect(listed(created.client_id)?.name).toBe('Web shop');
    },
    'clients:create --type': async () => {
      const uris: Record<string, string> = { web: WEB_URI, spa: WEB_URI, native: NATIVE_URI };
      const created = CLIENT_TYPES.map((type) =>
        create(
          '--name',
          `A ${type}`,
          '--type',
          type,
          ...(type in uris ? ['--redirect-uri', uris[type]] : []),
        ),
      );
      const list = json<ClientView[]>(['clients:list']);
      const typeOf = (id: string) => list.find((c) => c.client_id === id)?.type;
      expect(created.map((c) => [typeOf(c.client_id), 'client_secret' in c])).toEqual(
        CLIENT_TYPES.map((type) => [type, type === 'web' || type === 'service']),
      );
      expect(await tokenStatus(created[CLIENT_TYPES.indexOf('service')])).toBe(200);
    },
    'clients:create --redirect-uri': async () => {
      const second = 'https://web.example.com/other-cb';
      const created = createWeb('--redirect-uri', second);
      expect(listed(created.client_id)?.redirect_uris).toEqual([WEB_URI, second]);
      expect(await redirectAccepted(created, WEB_URI)).toBe(true);
      expect(await redirectAccepted(created, second)).toBe(true);
      expect(await redirectAccepted(created, 'https://web.example.com/unregistered')).toBe(false);
    },
    'clients:create --post-logout-redirect-uri': async () => {
      const [first, second] = ['https://web.example.com/bye', 'https://web.example.com/later'];
      const created = createWeb(
        '--post-logout-redirect-uri',
        first,
        '--post-logout-redirect-uri',
        second,
      );
      expect(listed(created.client_id)?.post_logout_redirect_uris).toEqual([first, second]);
      expect(await signOutReturnsTo(created, second)).toBe(true);
      expect(await signOutReturnsTo(created, 'https://web.example.com/unregistered')).toBe(false);
    },
    'clients:create --scope': async () => {
      const created = createService('--scope', 'drive.read');
      expect(listed(created.client_id)?.scope).toBe('drive.read');
      expect(await tokenStatus(created, undefined, 'drive.read')).toBe(200);
      expect(await tokenStatus(created, undefined, 'drive.write')).toBe(400);
    },
    'clients:create --introspection': async () => {
      const { app } = setup;
      const server = createService('--introspection');
      const other = createService();
      expect(listed(server.client_id)?.introspection).toBe(true);
      const introspect = (created: Created) =>
        postForm(app, '/oauth/introspect', { token: 'anything' }, asTestClient(created));
      expect(await introspect(server)).toMatchObject({ status: 200, body: { active: false } });
      expect((await introspect(other)).status).toBe(403);
    },
    'clients:create --logo-uri': async () => {
      const logo = 'https://web.example.com/logo.png';
      const created = createWeb('--logo-uri', logo);
      expect(listed(created.client_id)?.logo_uri).toBe(logo);
      expect(await connectedAppsPage(created)).toContain(`<img src="${logo}"`);
    },
    'clients:create --homepage': async () => {
      const created = createWeb('--homepage', 'https://web.example.com');
      expect(listed(created.client_id)?.client_uri).toBe('https://web.example.com/');
      expect(await connectedAppsPage(created)).toContain(
        '<a href="https://web.example.com/" rel="noopener noreferrer">Web</a>',
      );
    },
    'clients:create --no-scope-removal': async () => {
      const rigid = createWeb('--no-scope-removal');
      const flexible = createWeb();
      expect(listed(rigid.client_id)?.allow_scope_removal).toBe(false);
      expect(listed(flexible.client_id)?.allow_scope_removal).toBe(true);
      expect(await connectedAppsPage(rigid)).not.toContain('aria-label="Remove drive.write');
      expect(await connectedAppsPage(flexible)).toContain('aria-label="Remove drive.write');
    },
    'clients:create --first-party': async () => {
      const native = ['--type', 'native', '--redirect-uri', NATIVE_URI];
      const own = create('--name', 'Own app', ...native, '--first-party');
      const foreign = create('--name', 'Some app', ...native);
      expect(listed(own.client_id)?.first_party).toBe(true);
      expect(listed(foreign.client_id)?.first_party).toBe(false);
      expect(await consentAskedAgain(own)).toBe(false);
      expect(await consentAskedAgain(foreign)).toBe(true);
    },
    'clients:create --token-exchange': async () => {
      const { app, user } = setup;
      const api = `${app.issuer}/api`;
      const exchanger = createService('--token-exchange', '/api');
      const other = createService();
      expect(listed(exchanger.client_id)?.token_exchange_audiences).toEqual([api]);
      expect(listed(other.client_id)?.token_exchange_audiences).toEqual([]);
      const { tokens } = await codeFlowTokens(app, user, 'openid drive.read');
      const exchange = (created: Created) =>
        postForm(
          app,
          '/oauth/token',
          {
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: tokens.access_token,
            subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            resource: api,
          },
          asTestClient(created),
        );
      expect(await exchange(exchanger)).toMatchObject({
        status: 200,
        body: { scope: 'drive.read', token_type: 'Bearer' },
      });
      expect(await exchange(other)).toMatchObject({
        status: 400,
        body: { error: 'unauthorized_client' },
      });
    },
    'clients:create --require-mfa': async () => {
      const strict = createWeb('--require-mfa');
      const plain = createWeb();
      const list = json<ClientView[]>(['clients:list']);
      const requires = (id: string) => list.find((c) => c.client_id === id)?.require_mfa;
      expect([requires(strict.client_id), requires(plain.client_id)]).toEqual([true, false]);
      const { app, user } = setup;
      const client = asTestClient(strict);
      const request = await authorizationRequest(await discover(app, client), client);
      const ua = new UserAgent(app.issuer);
      const next = await signIn(ua, await ua.get(request.url.href), user);
      expectPage(next, 'Set up a second factor');
    },
    'clients:create --json': () => {
      const args = ['clients:create', '--name', 'Phone', '--type', 'native'];
      expect(succeeded(cli([...args, '--redirect-uri', NATIVE_URI]))).toMatch(
        /^Created native application "Phone"\nclient_id: +[0-9a-f]{32}\n$/,
      );
      const created = create('--name', 'Phone', '--type', 'native', '--redirect-uri', NATIVE_URI);
      expect(Object.keys(created).sort()).toEqual(
        [
          'client_id',
          'name',
          'type',
          'redirect_uris',
          'post_logout_redirect_uris',
          'scope',
          'introspection',
          'logo_uri',
          'client_uri',
          'allow_scope_removal',
          'first_party',
          'token_exchange_audiences',
          'require_mfa',
          'previous_secret_expires_at',
          'created_at',
        ].sort(),
      );
    },
    'clients:list --json': () => {
      const created = createWeb();
      const text = succeeded(cli(['clients:list']));
      expect(text).toContain(`${created.client_id}  web      Web\n`);
      const list = json<ClientView[]>(['clients:list']);
      const { client_secret: secret, ...shown } = created;
      expect(list).toContainEqual(shown);
      expect(`${text}${JSON.stringify(list)}`).not.toContain(secret);
    },
    'clients:rotate-secret --grace': async () => {
      const created = createService();
      const before = Date.now();
      const rotated = json(['clients:rotate-secret', created.client_id, '--grace', '90s']);
      const until = Date.parse(rotated.previous_secret_expires_at as string);
      expect(until).toBeGreaterThanOrEqual(before + 89_000);
      expect(until).toBeLessThanOrEqual(Date.now() + 90_000);
      expect(await tokenStatus(created)).toBe(200);
      const again = json(['clients:rotate-secret', created.client_id, '--grace', '0']);
      expect(again.previous_secret_expires_at).toBeNull();
      expect(await tokenStatus(created, rotated.client_secret as string)).toBe(401);
      expect(await tokenStatus(created, again.client_secret as string)).toBe(200);
    },
    'clients:rotate-secret --json': () => {
      const created = createService();
      expect(succeeded(cli(['clients:rotate-secret', created.client_id]))).toMatch(
        /^client_secret: [\w-]{43}\nStore the secret now: it is not shown again\.\nThe previous secret keeps working until \S+Z; end that now with clients:revoke-secret\.\n$/,
      );
      expect(json(['clients:rotate-secret', created.client_id, '--grace', '0'])).toEqual({
        client_id: created.client_id,
        client_secret: expect.stringMatching(/^[\w-]{43}$/),
        previous_secret_expires_at: null,
      });
    },
    'clients:revoke-secret --json': async () => {
      const created = createService();
      json(['clients:rotate-secret', created.client_id, '--grace', '1h']);
      expect(await tokenStatus(created)).toBe(200);
      expect(succeeded(cli(['clients:revoke-secret', created.client_id]))).toBe(
        `The previous secret of ${created.client_id} no longer works.\n`,
      );
      expect(await tokenStatus(created)).toBe(401);
      expect(json(['clients:revoke-secret', created.client_id])).toEqual({
        client_id: created.client_id,
        revoked: false,
      });
    },
    'clients:delete --json': async () => {
      const [first, second] = [createService(), createService()];
      expect(succeeded(cli(['clients:delete', first.client_id]))).toBe(
        `Deleted application ${first.client_id}\n`,
      );
      expect(json(['clients:delete', second.client_id])).toEqual({
        client_id: second.client_id,
        deleted: true,
      });
      for (const gone of [first, second]) {
        expect(listed(gone.client_id)).toBeUndefined();
        expect(await tokenStatus(gone)).toBe(401);
      }
    },
    'keys:rotate --json': async () => {
      const { app } = setup;
      const keys = app.app.get(DataSource).getRepository(KeyEntity);
      const signing = async () =>
        (await keys.findBy({ use: 'signing' })).map((key) => key.kid).sort();
      const first = await signing();
      // Earlier generations stay published (until keys:retire), however many rotations.
      const rotated = json<{ added: string[]; removed: string[] }>(['keys:rotate']);
      expect(rotated).toEqual({ added: [expect.any(String), expect.any(String)], removed: [] });
      expect(await signing()).toEqual([...first, ...rotated.added].sort());
      const text = succeeded(cli(['keys:rotate']));
      const [, added] =
        /^New signing keys: (.+)\nThe previous keys stay published until keys:retire\.\n$/.exec(
          text,
        )!;
      expect(await signing()).toEqual([...first, ...rotated.added, ...added.split(', ')].sort());
    },
    'tokens:purge --json': async () => {
      const { app } = setup;
      const rows = app.app.get(DataSource).getRepository(OidcPayloadEntity);
      const row = (id: string, expiresAt: number) =>
        rows.create({ kind: 'AccessToken', id, payload: '{}', expiresAt });
      await rows.insert([
        row('cli-expired-1', Date.now() - 1000),
        row('cli-live', Date.now() + 600_000),
      ]);
      expect(succeeded(cli(['tokens:purge']))).toMatch(/^Deleted [1-9]\d* expired row\(s\)\n$/);
      await rows.insert(row('cli-expired-2', Date.now() - 1000));
      const purged = json<{ deleted: number }>(['tokens:purge']);
      expect(Object.keys(purged)).toEqual(['deleted']);
      expect(purged.deleted).toBeGreaterThanOrEqual(1);
      const left = await rows.findBy({ id: In(['cli-expired-1', 'cli-expired-2', 'cli-live']) });
      expect(left.map((r) => r.id)).toEqual(['cli-live']);
    },
  };

  CHECKS['keys:retire --json'] = () => {
    const { app } = setup;
    succeeded(cli(['keys:rotate']));
    const refused = cli(['keys:retire', '--json']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: tokens signed by the previous keys may be valid until \d{4}-\d\d-\d\dT[\d:.]+Z; retire them then, or now with --force \(those tokens stop working\)\n$/,
    );
    expect(refused.stdout).toBe('');
    void app;
  };
  CHECKS['keys:retire --force'] = async () => {
    const { app } = setup;
    const keys = app.app.get(DataSource).getRepository(KeyEntity);
    const retired = json<{ retired: string[]; kept: string[] }>(['keys:retire', '--force']);
    expect(retired.kept).toHaveLength(2);
    expect(retired.retired.length).toBeGreaterThanOrEqual(2);
    const signing = (await keys.findBy({ use: 'signing' })).map((key) => key.kid).sort();
    expect(signing).toEqual([...retired.kept].sort());
    expect(succeeded(cli(['keys:retire']))).toBe(
      'Nothing to retire: only the newest generation is published.\n',
    );
  };

  CHECKS['db:backup --json'] = () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-backup-')), 'copy.sqlite');
    if (process.env.TEST_DATABASE_URL) {
      expect(cli(['db:backup', file]).stderr).toMatch(/back PostgreSQL up with pg_dump/);
      return;
    }
    expect(succeeded(cli(['db:backup', file]))).toMatch(
      new RegExp(`^Backed up the database to ${file} \\(\\d+ bytes\\)\n$`),
    );
    const copy = `${file}.json-copy`;
    expect(json(['db:backup', copy])).toEqual({ file: copy, bytes: statSync(copy).size });
  };

  const ROWS = Object.entries(COVERAGE).flatMap(([command, options]) =>
    Object.entries(options).map(([option, shows]) => [command, option, shows]),
  );

  it('the table covers every option of every command, and each has its test', () => {
    const declared = PROGRAM.commands.flatMap((command) =>
      command.options.map((option) => `${command.name()} ${option.long}`),
    );
    const covered = ROWS.map(([command, option]) => `${command} ${option}`);
    expect(covered.sort()).toEqual(declared.sort());
    expect(Object.keys(CHECKS).sort()).toEqual(covered.sort());
  });

  it.each(ROWS)('%s %s: %s', (command, option) => CHECKS[`${command} ${option}`]());

  it.each(COMMANDS)('%s --help: usage and every option, exit 0', (name) => {
    const run = cli([name, '--help']);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^Usage: npm run cli -- ${name} \\[options\\]`));
    for (const option of [...commandNamed(name).options.map((o) => o.flags), '-h, --help']) {
      expect(run.stdout).toContain(option);
    }
  });

  /** At least one mistake per command; each exits 1 with the reason and changes nothing. */
  const MISTAKES: [command: string, args: string[], message: string][] = [
    [
      'users:create',
      ['--email', 'x@example.com', '--password', PASSWORD, '--password-stdin'],
      'error: give exactly one of --password or --password-stdin',
    ],
    ['users:create', ['--email'], "error: option '--email <email>' argument missing"],
    [
      'users:create',
      ['--email', 'x@example.com', '--password', 'short'],
      'error: password must be at least 8 characters',
    ],
    [
      'clients:create',
      ['--name', 'Refused'],
      "error: required option '--type <type>' not specified",
    ],
    [
      'clients:create',
      ['--name', 'Refused', '--type', 'service', '--first-party', 'yes'],
      "error: too many arguments for 'clients:create'",
    ],
    [
      'clients:create',
      ['--name', 'Refused', '--type', 'service', '--grace', '1h'],
      "error: unknown option '--grace'",
    ],
    [
      'clients:create',
      ['--name', 'Refused', '--type', 'spa', '--redirect-uri', 'ftp://x.example.com/cb'],
      'error: ftp://x.example.com/cb: must use https',
    ],
    [
      'clients:create',
      [
        '--name',
        'Refused',
        '--type',
        'service',
        '--token-exchange',
        'https://elsewhere.example/api',
      ],
      'error: token exchange audience https://elsewhere.example/api is not a resource of this server; known: ',
    ],
    [
      'clients:create',
      ['--name', 'Refused', '--type', 'service', '--token-exchange', ','],
      'error: --token-exchange needs at least one audience (a resource URI)',
    ],
    ['clients:list', ['--first-party'], "error: unknown option '--first-party'"],
    ['clients:rotate-secret', [], "error: missing required argument 'client_id'"],
    [
      'clients:rotate-secret',
      ['some-id', '--grace'],
      "error: option '--grace <duration>' argument missing",
    ],
    ['clients:rotate-secret', ['no-such-app'], 'error: no application with client_id no-such-app'],
    [
      'clients:revoke-secret',
      ['one', 'two'],
      "error: too many arguments for 'clients:revoke-secret'",
    ],
    ['clients:delete', [], "error: missing required argument 'client_id'"],
    ['keys:rotate', ['now'], "error: too many arguments for 'keys:rotate'"],
    ['tokens:purge', ['--all'], "error: unknown option '--all'"],
    ['db:backup', [], "error: missing required argument 'file'"],
    ['keys:retire', ['now'], "error: too many arguments for 'keys:retire'"],
    ['clients:show', [], "error: unknown command 'clients:show'"],
    ...USER_COMMAND_MISTAKES,
    ['users:invite', ['--email', 'not-an-address'], 'error: email must be a valid address'],
    [
      'users:invite',
      ['--email', 'x@example.com', '--admin', 'yes'],
      "error: too many arguments for 'users:invite'",
    ],
  ];

  it('the mistakes below include one for every command', () => {
    const tried = new Set(MISTAKES.map(([command]) => command));
    expect(COMMANDS.filter((command) => !tried.has(command))).toEqual([]);
  });

  it.each(MISTAKES)('%s %j exits 1: %s', (command, args, message) => {
    const run = cli([command, ...args]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  it('no command at all exits 1 with the list of commands', () => {
    const run = cli([]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    for (const command of COMMANDS) {
      expect(run.stderr).toContain(command);
    }
  });

  it('none of the refused commands registered an app or a user', async () => {
    expect(json<ClientView[]>(['clients:list']).filter((c) => c.name === 'Refused')).toEqual([]);
    expect(await signsIn('x@example.com', PASSWORD)).toBeNull();
  });

  describe("the README's examples, run in order", () => {
    const examples = cliExamples(README);

    it('there are examples for users and applications', () => {
      expect(examples.map((e) => e.args[0])).toEqual(
        expect.arrayContaining(['users:create', 'clients:create']),
      );
    });

    it.each(examples)('$line', async ({ args, stdin }) => {
      const stdout = succeeded(cli(args, stdin));
      expect(stdout).toMatch(/^Created /);
      if (args[0] !== 'clients:create') {
        return;
      }
      const type = args[args.indexOf('--type') + 1];
      const id = /^client_id: +(\S+)$/m.exec(stdout)?.[1];
      const secret = /^client_secret: (\S+)$/m.exec(stdout)?.[1];
      expect([id, secret !== undefined]).toEqual([
        expect.stringMatching(/^[0-9a-f]{32}$/),
        type === 'web' || type === 'service',
      ]);
      if (type === 'service' && args.includes('--scope')) {
        // The next step of "Try it": a token with client credentials.
        const scope = args[args.indexOf('--scope') + 1];
        const created = { client_id: id!, client_secret: secret } as Created;
        expect(await tokenStatus(created, secret, scope)).toBe(200);
      }
    });
  });
});
