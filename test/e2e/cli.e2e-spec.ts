import { spawnSync } from 'node:child_process';
import { buildCli, runCli, type CliRun as Run } from '../support/cli.js';
import { useTestApp } from '../support/e2e.js';
import { TestApp } from '../support/test-app.js';
import { DataSource } from 'typeorm';
import { Sql } from '../../src/database/sql.js';
import { OidcPayloadEntity } from '../../src/tokens/oidc-payload.entity.js';
import { codeFlowWithNewClient, oidc } from '../support/oauth-client.js';

/**
 * The CLI as users run it: the built program in its own process, against the database of a
 * running server. Exit codes, output and effects are checked.
 */
describe('CLI (npm run cli -- ...)', () => {
  beforeAll(() => buildCli(), 180_000);
  const setup = useTestApp({ user: false });

  function cli(args: string[], input?: string, env: Record<string, string> = {}): Run {
    const { app } = setup;
    return runCli(args, { input, env: { ...app.environment, LOG_LEVEL: 'error', ...env } });
  }

  function json(run: Run): Record<string, unknown> {
    expect(run).toMatchObject({ status: 0, stderr: '' });
    return JSON.parse(run.stdout) as Record<string, unknown>;
  }

  async function clientCredentials(clientId: string, secret: string): Promise<number> {
    const { app } = setup;
    const response = await fetch(app.url('/oauth/token'), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=drive.read',
    });
    await response.arrayBuffer();
    return response.status;
  }

  it('--help lists every command', () => {
    const run = cli(['--help']);
    expect(run.status).toBe(0);
    for (const command of [
      'users:create',
      'clients:create',
      'clients:list',
      'clients:rotate-secret',
      'clients:revoke-secret',
      'clients:delete',
      'keys:rotate',
      'tokens:purge',
    ]) {
      expect(run.stdout).toContain(command);
    }
    expect(cli(['clients:create', '--help']).stdout).toContain('--redirect-uri <uri>');
  });

  describe('users:create', () => {
    it('creates a user from a password on stdin, who can then sign in', async () => {
      const { app } = setup;
      const user = json(
        cli(
          [
            'users:create',
            '--email',
            'Carol@Example.com',
            '--name',
            'Carol',
            '--password-stdin',
            '--json',
          ],
          'a long password\n',
        ),
      );
      expect(user).toEqual({
        id: expect.any(String),
        email: 'carol@example.com',
        name: 'Carol',
        admin: false,
      });
      const { tokens } = await codeFlowWithNewClient(
        app,
        {
          id: user.id as string,
          email: 'carol@example.com',
          password: 'a long password',
        },
        'spa',
      );
      expect(tokens.claims()!.sub).toBe(user.id);
    });

    it.each([
      [
        ['--email', 'carol@example.com', '--password', 'another password'],
        'error: a user with email carol@example.com already exists',
      ],
      [
        ['--email', 'dave@example.com', '--password', 'short'],
        'error: password must be at least 8 characters',
      ],
      [
        ['--email', 'not-an-email', '--password', 'long enough'],
        'error: email must be a valid address',
      ],
      [
        ['--email', 'erin@example.com'],
        'error: give exactly one of --password or --password-stdin',
      ],
      [['--password', 'long enough'], "error: required option '--email <email>' not specified"],
    ])('refuses %j with a clear message and exit code 1', (args, message) => {
      const run = cli(['users:create', ...args]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe('');
    });
  });

  describe('clients', () => {
    it('creates a web app with a secret shown once, and a SPA without one', () => {
      const web = json(
        cli([
          'clients:create',
          '--name',
          'Web',
          '--type',
          'web',
          '--redirect-uri',
          'https://web.example.com/cb',
          '--json',
        ]),
      );
      expect(web).toMatchObject({
        // hex: never starts with '-', which the command line would read as an option
        client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        type: 'web',
        redirect_uris: ['https://web.example.com/cb'],
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const spa = json(
        cli([
          'clients:create',
          '--name',
          'SPA',
          '--type',
          'spa',
          '--redirect-uri',
          'https://spa.example.com/cb',
          '--json',
        ]),
      );
      expect(spa).not.toHaveProperty('client_secret');
      expect(spa).toMatchObject({ logo_uri: null, client_uri: null, allow_scope_removal: true });

      const branded = json(
        cli([
          'clients:create',
          '--name',
          'Branded',
          '--type',
          'service',
          '--logo-uri',
          'https://brand.example.com/logo.png',
          '--homepage',
          'https://brand.example.com',
          '--no-scope-removal',
          '--json',
        ]),
      );
      expect(branded).toMatchObject({
        logo_uri: 'https://brand.example.com/logo.png',
        client_uri: 'https://brand.example.com/',
        allow_scope_removal: false,
        previous_secret_expires_at: null,
      });

      const list = cli(['clients:list', '--json']);
      expect(list.stdout).not.toContain(web.client_secret as string);
      const ids = (JSON.parse(list.stdout) as { client_id: string }[]).map((c) => c.client_id);
      expect(ids).toEqual(expect.arrayContaining([web.client_id, spa.client_id]));
    });

    it('prints the secret in plain text with a warning', () => {
      const run = cli(['clients:create', '--name', 'Svc', '--type', 'service']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(
        /^Created service application "Svc"\nclient_id: +\S+\nclient_secret: \S{43}\nStore the secret now: it is not shown again.\n$/,
      );
    });

    it.each([
      [['--name', 'X', '--type', 'bogus'], "option '--type <type>' argument 'bogus' is invalid"],
      [
        ['--name', 'X', '--type', 'web'],
        'error: a web application needs at least one --redirect-uri',
      ],
      [
        ['--name', 'X', '--type', 'native', '--redirect-uri', 'http://localhost/cb'],
        'RFC 8252 §8.3',
      ],
      [
        ['--name', 'X', '--type', 'web', '--redirect-uri', 'https://x.example.com/*'],
        'wildcards are not allowed',
      ],
      [
        ['--name', 'X', '--type', 'spa', '--redirect-uri', 'https://x.example.com/cb#frag'],
        'must not contain a fragment',
      ],
      [
        [
          '--name',
          'X',
          '--type',
          'spa',
          '--redirect-uri',
          'https://x.example.com/cb',
          '--introspection',
        ],
        'only confidential applications',
      ],
      [['--name', 'X', '--type', 'service', '--scope', 'drive.read files'], 'unknown scope files'],
      [
        ['--name', 'X', '--type', 'service', '--scope', 'drive.read admin'],
        'a service application has no user and cannot use admin',
      ],
      [['--name', 'X', '--type', 'service', '--scope', 'openid'], 'cannot use openid'],
      [
        ['--name', 'X', '--type', 'service', '--logo-uri', 'http://x.example.com/logo.png'],
        'error: logo URL http://x.example.com/logo.png: must be an absolute https URL',
      ],
      [
        ['--name', 'X', '--type', 'service', '--homepage', 'javascript:alert(1)'],
        'error: homepage javascript:alert(1): must be an absolute https or http URL',
      ],
    ])('refuses %j with a clear message and exit code 1', (args, message) => {
      const run = cli(['clients:create', ...args]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(message);
    });

    function serviceApp(name: string): { id: string; secret: string } {
      const created = json(cli(['clients:create', '--name', name, '--type', 'service', '--json']));
      return { id: created.client_id as string, secret: created.client_secret as string };
    }

    it('rotate-secret: the old secret keeps working through the grace period, then stops', async () => {
      const { id, secret } = serviceApp('Rotating');
      expect(await clientCredentials(id, secret)).toBe(200);

      const before = Date.now();
      const rotated = json(
        cli(['clients:rotate-secret', id, '--json'], undefined, { CLIENT_SECRET_GRACE: '2s' }),
      );
      expect(Object.keys(rotated).sort()).toEqual([
        'client_id',
        'client_secret',
        'previous_secret_expires_at',
      ]);
      expect(rotated.client_secret).toMatch(/^[\w-]{43}$/);
      expect(rotated.client_secret).not.toBe(secret);
      const until = Date.parse(rotated.previous_secret_expires_at as string);
      expect(until).toBeGreaterThanOrEqual(before + 1000);
      expect(until).toBeLessThanOrEqual(Date.now() + 2000);

      // Both work during the grace period...
      expect(await clientCredentials(id, secret)).toBe(200);
      expect(await clientCredentials(id, rotated.client_secret as string)).toBe(200);
      // ...then only the new one.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 50));
      expect(await clientCredentials(id, secret)).toBe(401);
      expect(await clientCredentials(id, rotated.client_secret as string)).toBe(200);
    });

    it('rotate-secret --grace 0 stops the old secret at once', async () => {
      const { id, secret } = serviceApp('Rotating at once');
      const rotated = json(cli(['clients:rotate-secret', id, '--grace', '0', '--json']));
      expect(rotated.previous_secret_expires_at).toBeNull();
      expect(await clientCredentials(id, secret)).toBe(401);
      expect(await clientCredentials(id, rotated.client_secret as string)).toBe(200);
    });

    it('revoke-secret ends the grace period now; a second call changes nothing', async () => {
      const { id, secret } = serviceApp('Leaked');
      const rotated = json(cli(['clients:rotate-secret', id, '--grace', '1h', '--json']));
      expect(await clientCredentials(id, secret)).toBe(200);

      expect(json(cli(['clients:revoke-secret', id, '--json']))).toEqual({
        client_id: id,
        revoked: true,
      });
      expect(await clientCredentials(id, secret)).toBe(401);
      expect(await clientCredentials(id, rotated.client_secret as string)).toBe(200);
      expect(cli(['clients:revoke-secret', id]).stdout).toBe(
        `${id} had no previous secret still working; nothing changed.\n`,
      );
    });

    it('rotating again ends the previous grace: only the newest two secrets work', async () => {
      const { id, secret } = serviceApp('Rotating twice');
      const second = json(cli(['clients:rotate-secret', id, '--json']));
      const third = json(cli(['clients:rotate-secret', id, '--json']));
      expect(await clientCredentials(id, secret)).toBe(401);
      expect(await clientCredentials(id, second.client_secret as string)).toBe(200);
      expect(await clientCredentials(id, third.client_secret as string)).toBe(200);
    });

    it.each([
      ['--grace', 'soon'],
      ['--grace', '-5m'],
    ])('rotate-secret %s %s exits 1 and changes nothing', async (flag, value) => {
      const { id, secret } = serviceApp('Bad grace');
      const run = cli(['clients:rotate-secret', id, flag, value]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('--grace must be 0 or a duration');
      expect(await clientCredentials(id, secret)).toBe(200);
    });

    it('rotate-secret of a public app exits 1: it has no secret', () => {
      const created = json(
        cli([
          'clients:create',
          '--name',
          'Public',
          '--type',
          'spa',
          '--redirect-uri',
          'https://spa.example.com/cb',
          '--json',
        ]),
      );
      const run = cli(['clients:rotate-secret', created.client_id as string]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('spa applications are public and have no secret');
    });

    it('delete removes the app and revokes its tokens', async () => {
      const { app } = setup;
      const user = await app.createUser();
      const { tokens, client, config } = await codeFlowWithNewClient(app, user, 'web');

      expect(json(cli(['clients:delete', client.clientId, '--json']))).toEqual({
        client_id: client.clientId,
        deleted: true,
      });
      await expect(oidc.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toThrow();
      expect(await clientCredentials(client.clientId, client.clientSecret!)).toBe(401);
    });

    it("delete from another process: the server refuses the app's JWTs after its next sync", async () => {
      const { app } = setup;
      const created = json(
        cli([
          'clients:create',
          '--name',
          'Doomed',
          '--type',
          'service',
          '--scope',
          'drive.read',
          '--json',
        ]),
      );
      const id = created.client_id as string;
      const token = (
        (await (
          await fetch(app.url('/oauth/token'), {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${id}:${created.client_secret as string}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: 'grant_type=client_credentials&scope=drive.read',
          })
        ).json()) as { access_token: string }
      ).access_token;
      const apiStatus = async () =>
        (
          await fetch(app.url('/api/drive/files'), {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status;
      // A service token is accepted, then refused by the Drive for having no user: 403.
      expect(await apiStatus()).toBe(403);
      json(cli(['clients:delete', id, '--json']));
      // REVOCATION_SYNC_INTERVAL is 1 s: well within 5 s.
      const deadline = Date.now() + 5000;
      while ((await apiStatus()) !== 401 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await apiStatus()).toBe(401);
    });

    it.each([['clients:rotate-secret'], ['clients:revoke-secret'], ['clients:delete']])(
      '%s of an unknown id exits 1',
      (command) => {
        const run = cli([command, 'no-such-client']);
        expect(run.status).toBe(1);
        expect(run.stderr).toContain('error: no application with client_id no-such-client');
      },
    );
  });

  it('keys:rotate adds a new signing generation that the restarted server signs with', async () => {
    let { app } = setup;
    const before = (await (await fetch(app.url('/oauth/jwks'))).json()) as {
      keys: { kid: string }[];
    };
    const rotated = json(cli(['keys:rotate', '--json']));
    expect(rotated).toEqual({ added: [expect.any(String), expect.any(String)], removed: [] });

    app = await setup.restart();
    const after = (await (await fetch(app.url('/oauth/jwks'))).json()) as {
      keys: { kid: string }[];
    };
    expect(after.keys.map((k) => k.kid)).toEqual([
      ...(rotated.added as string[]),
      ...before.keys.map((k) => k.kid),
    ]);
  });

  it('tokens:purge deletes expired rows and sign-in counters only', async () => {
    // Its own server: codes from the other tests expire after 60 s and would be purged too.
    const fresh = await TestApp.start();
    try {
      const purge = () => json(cli(['tokens:purge', '--json'], undefined, fresh.environment));
      const db = fresh.app.get(DataSource);
      const rows = db.getRepository(OidcPayloadEntity);
      const row = (id: string, expiresAt: number | null) =>
        rows.create({ kind: 'AccessToken', id, payload: '{}', expiresAt });
      await rows.insert([
        row('expired-1', Date.now() - 1000),
        row('expired-2', Date.now() - 60_000),
        row('live', Date.now() + 600_000),
        row('eternal', null),
      ]);
      const throttle = `INSERT INTO login_throttle (key, points, expire) VALUES`;
      await db.query(`${throttle} ('old', 3, ${Date.now() - 1000})`);
      await db.query(`${throttle} ('new', 3, ${Date.now() + 600_000})`);

      expect(purge()).toEqual({ deleted: 3 });
      expect(await db.query('SELECT key FROM login_throttle')).toEqual([{ key: 'new' }]);
      const left = await rows.find({ select: { id: true }, order: { id: 'ASC' } });
      expect(left.map((r) => r.id)).toEqual(['eternal', 'live']);
      expect(purge()).toEqual({ deleted: 0 });
    } finally {
      await fresh.close();
    }
  });

  it('tokens:purge also deletes revocations that no token can outlive any more', async () => {
    const fresh = await TestApp.start();
    try {
      const db = fresh.app.get(DataSource);
      const insert = `INSERT INTO revocations (kind, key, revoked_at, expires_at) VALUES`;
      await db.query(`${insert} ('grant', 'old', 1, ${Date.now() - 1000})`);
      await db.query(`${insert} ('grant', 'current', 1, ${Date.now() + 600_000})`);
      expect(json(cli(['tokens:purge', '--json'], undefined, fresh.environment))).toEqual({
        deleted: 1,
      });
      expect(await db.query('SELECT key FROM revocations')).toEqual([{ key: 'current' }]);
    } finally {
      await fresh.close();
    }
  });

  it('tokens:purge also deletes old audit events, expired personal tokens and device polls', async () => {
    const fresh = await TestApp.start();
    try {
      const sql = new Sql(fresh.app.get(DataSource));
      const user = await fresh.createUser();
      const day = 86_400_000;
      const audit = 'INSERT INTO audit_events (id, at, event, outcome) VALUES (?, ?, ?, ?)';
      await sql.query(audit, [
        '00000000-0000-7000-8000-000000000001',
        Date.now() - 400 * day,
        'client.created',
        'success',
      ]);
      await sql.query(audit, [
        '00000000-0000-7000-8000-000000000002',
        Date.now() - 300 * day,
        'client.created',
        'success',
      ]);
      const token =
        'INSERT INTO personal_access_tokens (id, user_id, name, token_hash, hint, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
      await sql.query(token, [
        't-old',
        user.id,
        'old',
        'hash-old',
        'gat_aaaa',
        'drive.read',
        1,
        Date.now() - 1,
      ]);
      await sql.query(token, [
        't-new',
        user.id,
        'new',
        'hash-new',
        'gat_bbbb',
        'drive.read',
        1,
        Date.now() + day,
      ]);
      const poll =
        'INSERT INTO device_polls (code_key, interval_seconds, last_polled_at, expires_at) VALUES (?, 5, 1, ?)';
      await sql.query(poll, ['old', Date.now() - 1]);
      await sql.query(poll, ['new', Date.now() + day]);

      // Audit events are kept AUDIT_RETENTION (365 days by default).
      expect(json(cli(['tokens:purge', '--json'], undefined, fresh.environment))).toEqual({
        deleted: 3,
      });
      expect(
        (await sql.query<{ id: string }>('SELECT id FROM audit_events')).map((r) => r.id),
      ).toEqual(['00000000-0000-7000-8000-000000000002']);
      expect(
        (await sql.query<{ id: string }>('SELECT id FROM personal_access_tokens')).map((r) => r.id),
      ).toEqual(['t-new']);
      expect(
        (await sql.query<{ code_key: string }>('SELECT code_key FROM device_polls')).map(
          (r) => r.code_key,
        ),
      ).toEqual(['new']);
    } finally {
      await fresh.close();
    }
  });

  it('a bad environment stops the CLI with the variable named', () => {
    const run = cli(['clients:list'], undefined, { ACCESS_TOKEN_TTL: 'soon' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ACCESS_TOKEN_TTL: must be a positive duration');
  });

  it('a bad environment stops the server with the variable named', () => {
    const { app } = setup;
    const result = spawnSync(process.execPath, ['dist/src/main.js'], {
      env: { PATH: process.env.PATH, ...app.environment, PORT: 'eighty', ISSUER: 'ftp://x' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration:');
    expect(result.stderr).toContain('PORT: must be a port number from 0 to 65535');
    expect(result.stderr).toContain('ISSUER: must be an http(s) URL without query or fragment');
  });
});
