import { spawn } from 'node:child_process';
import { SCOPES } from '../../src/tokens/scopes.js';
import { useTestApp } from '../support/e2e.js';
import {
  authorizationRequest,
  codeFlowWithNewClient,
  consent,
  discover,
  expectPage,
  oidc,
  signIn,
} from '../support/oauth-client.js';
import { UserAgent } from '../support/user-agent.js';

describe('authorization code flow with PKCE', () => {
  const setup = useTestApp({ user: { name: 'Alice Example' } });

  it.each(['web', 'spa', 'native'] as const)(
    'a %s app signs the user in, gets tokens and calls userinfo',
    async (type) => {
      const { app, user } = setup;
      const { tokens, callback, client, config } = await codeFlowWithNewClient(app, user, type);

      expect(callback.searchParams.get('iss')).toBe(app.issuer);
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.expires_in).toBe(600);
      expect(tokens.refresh_token).toBeUndefined();
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ iss: app.issuer, aud: client.clientId, sub: user.id });
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
      expect(userinfo).toEqual({
        sub: user.id,
        name: 'Alice Example',
        updated_at: expect.any(Number),
        email: user.email,
        email_verified: false,
      });
    },
  );
});

describe('consent', () => {
  const setup = useTestApp();

  it('names the app and describes each requested scope', async () => {
    const { app, user } = setup;
    const client = await app.createClient({ type: 'web', name: 'Photo Printer' });
    const config = await discover(app, client);
    const request = await authorizationRequest(config, client, {
      scope: 'openid email drive.read',
    });
    const ua = new UserAgent(app.issuer);
    const page = await signIn(ua, await ua.get(request.url.href), user);
    expectPage(page, 'Photo Printer wants to access your account');
    expect(page.body).toContain('See your email address');
    expect(page.body).toContain('See the files in your Drive');
    expect(page.body).not.toContain('See your name');
    expect(page.body).toMatch(/<button type="submit">Allow<\/button>/);
    expect(page.body).toMatch(/formaction="[^"]+\/abort">Deny<\/button>/);
  });

  it('is remembered: a second authorization, even in a new browser session, skips the page', async () => {
    const { app, user } = setup;
    const { client, config } = await codeFlowWithNewClient(app, user, 'web');

    const freshBrowser = new UserAgent(app.issuer);
    const request = await authorizationRequest(config, client);
    const afterSignIn = await signIn(freshBrowser, await freshBrowser.get(request.url.href), user);
    expect(afterSignIn.location).toMatch(/^https:\/\/app\.example\.com\/callback\?code=/);
  });

  it('asks only for a newly requested scope', async () => {
    const { app, user } = setup;
    const { client, config, ua } = await codeFlowWithNewClient(app, user, 'web', {
      scope: 'openid profile',
    });

    const request = await authorizationRequest(config, client, { scope: 'openid profile email' });
    const page = await ua.get(request.url.href);
    expectPage(page, 'wants to access your account');
    expect(page.body).toContain('See your email address');
    expect(page.body).not.toContain('See your name');
    const callback = new URL((await consent(ua, page)).location!);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.scope).toBe('openid profile email');
  });

  it('"Deny" returns access_denied to the app with its state', async () => {
    const { app, user } = setup;
    const client = await app.createClient({ type: 'spa' });
    const config = await discover(app, client);
    const request = await authorizationRequest(config, client);
    const ua = new UserAgent(app.issuer);
    const page = await signIn(ua, await ua.get(request.url.href), user);
    const denied = await consent(ua, page, 'Deny');
    const callback = new URL(denied.location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(client.redirectUri);
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied the request',
      state: request.state,
      iss: app.issuer,
    });
  });
});

describe('authorization request checks', () => {
  const setup = useTestApp();

  function authorizeUrl(params: Record<string, string>): string {
    const { app } = setup;
    return `${app.url('/oauth/authorize')}?${new URLSearchParams(params).toString()}`;
  }

  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it.each(['web', 'spa', 'native'] as const)(
    'a %s client without PKCE gets invalid_request at its redirect URI',
    async (type) => {
      const { app } = setup;
      const client = await app.createClient({ type });
      const response = await new UserAgent(app.issuer).get(
        authorizeUrl({
          client_id: client.clientId,
          redirect_uri: client.redirectUri,
          response_type: 'code',
          scope: 'openid',
          state: 'xyz',
        }),
      );
      const callback = new URL(response.location!);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toBe(
        'Authorization Server policy requires PKCE to be used for this request',
      );
      expect(callback.searchParams.get('state')).toBe('xyz');
    },
  );

  it('the plain PKCE method is rejected', async () => {
    const { app } = setup;
    const client = await app.createClient({ type: 'web' });
    const response = await new UserAgent(app.issuer).get(
      authorizeUrl({
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        response_type: 'code',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'plain',
      }),
    );
    const callback = new URL(response.location!);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toBe(
      'not supported value of code_challenge_method',
    );
  });

  it.each([
    ['another path', 'https://app.example.com/other'],
    ['a trailing slash', 'https://app.example.com/callback/'],
    ['an extra query', 'https://app.example.com/callback?x=1'],
    ['another host', 'https://evil.example.com/callback'],
    ['http instead of https', 'http://app.example.com/callback'],
  ])('a redirect URI with %s shows an error page and never redirects', async (_label, uri) => {
    const { app } = setup;
    const client = await app.createClient({ type: 'web' });
    const response = await new UserAgent(app.issuer).get(
      authorizeUrl({
        client_id: client.clientId,
        redirect_uri: uri,
        response_type: 'code',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(response.status).toBe(400);
    expect(response.location).toBeUndefined();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.body).toContain(
      'redirect_uri did not match any of the client&#39;s registered redirect_uris',
    );
    expect(response.body).not.toMatch(/at .*\.js:\d+/);
  });

  it('an unknown client shows an error page', async () => {
    const { app } = setup;
    const response = await new UserAgent(app.issuer).get(
      authorizeUrl({
        client_id: 'no-such-client',
        redirect_uri: 'https://app.example.com/callback',
        response_type: 'code',
        scope: 'openid',
      }),
    );
    expect(response.status).toBe(400);
    expect(response.location).toBeUndefined();
    expect(response.body).toContain('invalid_client');
  });

  it.each(['token', 'id_token', 'code id_token', 'id_token token'])(
    'the implicit/hybrid response_type "%s" is refused',
    async (responseType) => {
      const { app } = setup;
      const client = await app.createClient({ type: 'web' });
      const response = await new UserAgent(app.issuer).get(
        authorizeUrl({
          client_id: client.clientId,
          redirect_uri: client.redirectUri,
          response_type: responseType,
          scope: 'openid',
          nonce: 'n',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      const callback = new URL(response.location!);
      expect(
        callback.searchParams.get('error') ??
          new URLSearchParams(callback.hash.slice(1)).get('error'),
      ).toBe('unsupported_response_type');
    },
  );

  describe('native apps (RFC 8252)', () => {
    it('loopback redirects work on any port (§7.3)', async () => {
      const { app, user } = setup;
      const { tokens } = await codeFlowWithNewClient(
        app,
        user,
        { type: 'native', redirectUris: ['http://127.0.0.1/callback'] },
        { redirect_uri: 'http://127.0.0.1:53124/callback' },
      );
      expect(tokens.claims()!.sub).toBe(user.id);
    });

    it('private-use URI scheme redirects work (§7.1)', async () => {
      const { app, user } = setup;
      const { tokens } = await codeFlowWithNewClient(app, user, {
        type: 'native',
        redirectUris: ['com.example.notes:/oauth/callback'],
      });
      expect(tokens.claims()!.sub).toBe(user.id);
    });

    it('asks consent at every authorization: anyone can use a native app client_id (§8.6)', async () => {
      const { app, user } = setup;
      const client = await app.createClient({
        type: 'native',
        redirectUris: ['http://127.0.0.1/callback'],
      });
      const config = await discover(app, client);
      const ua = new UserAgent(app.issuer);
      for (let time = 1; time <= 2; time++) {
        const request = await authorizationRequest(config, client, { scope: 'openid' });
        let visit = await ua.get(request.url.href);
        if (time === 1) {
          visit = await signIn(ua, visit, user);
        }
        // Signed in already the second time, and still asked.
        expectPage(visit, 'wants to access your account');
        const callback = new URL((await consent(ua, visit)).location!);
        expect(callback.searchParams.get('code')).toBeTruthy();
      }
    });

    it('a first-party native app (--first-party) is not asked again', async () => {
      const { app, user } = setup;
      const { client, config, ua } = await codeFlowWithNewClient(
        app,
        user,
        { type: 'native', redirectUris: ['http://127.0.0.1/callback'], firstParty: true },
        { scope: 'openid' },
      );
      const request = await authorizationRequest(config, client, { scope: 'openid' });
      const again = await ua.get(request.url.href);
      expect(new URL(again.location!).searchParams.get('code')).toBeTruthy();
    });

    it('the IPv6 loopback works on any port too (§7.3)', async () => {
      const { app, user } = setup;
      const { tokens } = await codeFlowWithNewClient(
        app,
        user,
        { type: 'native', redirectUris: ['http://[::1]/callback'] },
        { redirect_uri: 'http://[::1]:61000/callback' },
      );
      expect(tokens.claims()!.sub).toBe(user.id);
    });

    it('examples/native-client.mjs signs in through the browser on a random loopback port', async () => {
      const { app, user } = setup;
      const client = await app.createClient({
        type: 'native',
        redirectUris: ['http://127.0.0.1/callback'],
      });
      const cli = spawn(process.execPath, ['examples/native-client.mjs'], {
        env: {
          PATH: process.env.PATH,
          ISSUER: app.issuer,
          CLIENT_ID: client.clientId,
          NO_BROWSER: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve));
      try {
        const deadline = Date.now() + 15_000;
        let printed: RegExpExecArray | null = null;
        while (
          !(printed = /Sign in in your browser: (\S+)\n/.exec(output)) &&
          Date.now() < deadline
        ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const authorize = new URL(printed![1]);
        expect(authorize.searchParams.get('redirect_uri')).toMatch(
          /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
        );
        expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
        // The browser's part: sign in, allow; the redirect goes to the program's port.
        const ua = new UserAgent(app.issuer);
        const done = await consent(ua, await signIn(ua, await ua.get(authorize.href), user));
        const answer = await fetch(done.location!);
        expect(await answer.text()).toBe('You can close this window and return to the terminal.');
        expect(await exited).toBe(0);
        expect(output).toContain(`Signed in as ${user.id}; granted: drive.read`);
        expect(output).toContain('Your Drive has 0 file(s).');
      } finally {
        cli.kill();
      }
    });

    it.each([
      ['localhost instead of the IP literal', 'http://localhost:53124/callback'],
      ['another loopback path', 'http://127.0.0.1:53124/other'],
      ['IPv6 loopback when IPv4 was registered', 'http://[::1]:53124/callback'],
    ])('a look-alike (%s) is rejected', async (_label, uri) => {
      const { app } = setup;
      const client = await app.createClient({
        type: 'native',
        redirectUris: ['http://127.0.0.1/callback'],
      });
      const response = await new UserAgent(app.issuer).get(
        authorizeUrl({
          client_id: client.clientId,
          redirect_uri: uri,
          response_type: 'code',
          scope: 'openid',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(response.status).toBe(400);
      expect(response.location).toBeUndefined();
    });
  });
});

describe('discovery', () => {
  const setup = useTestApp({ user: false });

  it('lists every scope of the registry, API scopes included, and what OAuth 2.1 clients check', async () => {
    const metadata = (await (
      await fetch(setup.app.url('/.well-known/oauth-authorization-server'))
    ).json()) as Record<string, unknown>;
    expect(metadata.scopes_supported).toEqual(Object.keys(SCOPES));
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['drive.read', 'drive.write']),
    );
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    // RFC 9207: the authorization response names its issuer.
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  });
});
