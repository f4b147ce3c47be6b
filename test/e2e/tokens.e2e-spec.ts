import { useTestApp } from '../support/e2e.js';
import { TestApp } from '../support/test-app.js';
import {
  approve,
  authorizationRequest,
  codeFlowWithNewClient,
  discover,
  oidc,
  runCodeFlow,
} from '../support/oauth-client.js';
import { UserAgent } from '../support/user-agent.js';

/** A token request made by hand, to see exactly what the token endpoint answers. */
async function tokenRequest(
  app: TestApp,
  body: Record<string, string>,
  auth?: { clientId: string; clientSecret?: string },
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const form = new URLSearchParams(body);
  if (auth?.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(
      `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`,
    ).toString('base64')}`;
  } else if (auth) {
    form.set('client_id', auth.clientId);
  }
  const response = await fetch(app.url('/oauth/token'), { method: 'POST', headers, body: form });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

async function userinfoStatus(app: TestApp, accessToken: string): Promise<number> {
  const response = await fetch(app.url('/oauth/userinfo'), {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('tokens', () => {
  const setup = useTestApp();

  describe('refresh tokens', () => {
    it('are issued only when offline_access is granted, and rotate on every use for public clients', async () => {
      const { app, user } = setup;
      const { tokens, config } = await codeFlowWithNewClient(app, user, 'spa', {
        scope: 'openid offline_access',
        prompt: 'consent',
      });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      expect(tokens.scope).toBe('openid offline_access');

      const first = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(first.refresh_token).toEqual(expect.any(String));
      expect(first.refresh_token).not.toBe(tokens.refresh_token);
      expect(first.access_token).not.toBe(tokens.access_token);
      expect(await userinfoStatus(app, first.access_token)).toBe(200);

      const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
      expect(second.refresh_token).not.toBe(first.refresh_token);
    });

    it('a replayed (already rotated) refresh token revokes the whole grant (RFC 9700 §4.14.2)', async () => {
      const { app, user } = setup;
      const { tokens, client, config } = await codeFlowWithNewClient(app, user, 'native', {
        scope: 'openid offline_access',
        prompt: 'consent',
      });
      const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(await userinfoStatus(app, rotated.access_token)).toBe(200);

      const replay = await tokenRequest(
        app,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        client,
      );
      expect(replay.status).toBe(400);
      expect(replay.body).toEqual({
        error: 'invalid_grant',
        error_description: 'grant request is invalid',
      });

      // Everything the grant produced is dead: the legitimate holder's tokens too.
      expect(await userinfoStatus(app, rotated.access_token)).toBe(401);
      const legit = await tokenRequest(
        app,
        { grant_type: 'refresh_token', refresh_token: rotated.refresh_token! },
        client,
      );
      expect(legit.status).toBe(400);
      expect(legit.body.error).toBe('invalid_grant');
    });

    it('confidential clients keep their refresh token until late in its life', async () => {
      const { app, user } = setup;
      const { tokens, config } = await codeFlowWithNewClient(app, user, 'web', {
        scope: 'openid offline_access',
        prompt: 'consent',
      });
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.refresh_token).toBe(tokens.refresh_token);
      const again = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(again.access_token).toEqual(expect.any(String));
    });

    it('cannot be used by another client', async () => {
      const { app, user } = setup;
      const owner = await app.createClient({ type: 'spa' });
      const thief = await app.createClient({ type: 'spa' });
      const { tokens } = await runCodeFlow(
        new UserAgent(app.issuer),
        await discover(app, owner),
        owner,
        user,
        { scope: 'openid offline_access', prompt: 'consent' },
      );
      const stolen = await tokenRequest(
        app,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        thief,
      );
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe('invalid_grant');
    });
  });

  describe('authorization codes', () => {
    it('work once; a replay is invalid_grant and revokes what the first redemption issued', async () => {
      const { app, user } = setup;
      const client = await app.createClient({ type: 'web' });
      const config = await discover(app, client);
      const request = await authorizationRequest(config, client, {
        scope: 'openid offline_access',
        prompt: 'consent',
      });
      const callback = await approve(new UserAgent(app.issuer), request, user);
      const code = callback.searchParams.get('code')!;
      const redeem = () =>
        tokenRequest(
          app,
          {
            grant_type: 'authorization_code',
            code,
            redirect_uri: client.redirectUri,
            code_verifier: request.verifier,
          },
          client,
        );

      const first = await redeem();
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(await userinfoStatus(app, first.body.access_token as string)).toBe(200);

      const replay = await redeem();
      expect(replay.status).toBe(400);
      expect(replay.body).toEqual({
        error: 'invalid_grant',
        error_description: 'grant request is invalid',
      });
      expect(await userinfoStatus(app, first.body.access_token as string)).toBe(401);
      const refresh = await tokenRequest(
        app,
        { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string },
        client,
      );
      expect(refresh.body.error).toBe('invalid_grant');
    });

    it('concurrent redemptions of one code yield exactly one success and no 5xx', async () => {
      const { app, user } = setup;
      const client = await app.createClient({ type: 'web' });
      const config = await discover(app, client);
      const request = await authorizationRequest(config, client);
      const callback = await approve(new UserAgent(app.issuer), request, user);
      const body = {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: client.redirectUri,
        code_verifier: request.verifier,
      };

      const results = await Promise.all(
        Array.from({ length: 8 }, () => tokenRequest(app, body, client)),
      );

      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
      for (const failed of results.filter((r) => r.status === 400)) {
        expect(failed.body.error).toBe('invalid_grant');
      }
    });

    it('need the PKCE verifier that matches the challenge', async () => {
      const { app, user } = setup;
      const client = await app.createClient({ type: 'spa' });
      const config = await discover(app, client);
      const request = await authorizationRequest(config, client);
      const callback = await approve(new UserAgent(app.issuer), request, user);
      const wrong = await tokenRequest(
        app,
        {
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code')!,
          redirect_uri: client.redirectUri,
          code_verifier: oidc.randomPKCECodeVerifier(),
        },
        client,
      );
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual({
        error: 'invalid_grant',
        error_description: 'grant request is invalid',
      });
    });
  });

  describe('client credentials', () => {
    it('a service gets an access token for the API, audience-bound to it', async () => {
      const { app } = setup;
      const service = await app.createClient({ type: 'service', scope: 'drive.read' });
      const config = await discover(app, service);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'drive.read' });
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.scope).toBe('drive.read');
      expect(tokens.expires_in).toBe(600);
      expect(tokens.refresh_token).toBeUndefined();
      const [header, payload] = tokens.access_token
        .split('.')
        .slice(0, 2)
        .map(
          (part) =>
            JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
        );
      expect(header).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
      expect(payload).toMatchObject({
        iss: app.issuer,
        aud: `${app.issuer}/api`,
        client_id: service.clientId,
        scope: 'drive.read',
      });
      expect(payload.sub).toBe(service.clientId);
    });

    it('a scope the service was not registered for is invalid_scope', async () => {
      const { app } = setup;
      const service = await app.createClient({ type: 'service', scope: 'drive.read' });
      const result = await tokenRequest(
        app,
        { grant_type: 'client_credentials', scope: 'drive.write' },
        service,
      );
      expect(result.status).toBe(400);
      expect(result.body.error).toBe('invalid_scope');
    });

    it('a wrong secret is invalid_client with 401 and a Basic challenge', async () => {
      const { app } = setup;
      const service = await app.createClient({ type: 'service' });
      const result = await tokenRequest(
        app,
        { grant_type: 'client_credentials', scope: 'drive.read' },
        { clientId: service.clientId, clientSecret: 'not-the-secret' },
      );
      expect(result.status).toBe(401);
      expect(result.body).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    });

    it('interactive clients may not use it', async () => {
      const { app } = setup;
      const web = await app.createClient({ type: 'web' });
      const result = await tokenRequest(
        app,
        { grant_type: 'client_credentials', scope: 'drive.read' },
        web,
      );
      // RFC 6749 §5.2 (oidc-provider alone would say invalid_request).
      expect(result.status).toBe(400);
      expect(result.body).toEqual({
        error: 'unauthorized_client',
        error_description: 'requested grant type is not allowed for this client',
      });
    });
  });

  it('the password grant and implicit flows are not offered', async () => {
    const { app, user } = setup;
    const web = await app.createClient({ type: 'web' });
    const password = await tokenRequest(
      app,
      { grant_type: 'password', username: user.email, password: user.password },
      web,
    );
    expect(password.status).toBe(400);
    expect(password.body.error).toBe('unsupported_grant_type');

    const discovery = (await (
      await fetch(app.url('/.well-known/openid-configuration'))
    ).json()) as {
      response_types_supported: string[];
      grant_types_supported: string[];
    };
    expect(discovery.response_types_supported).toEqual(['code']);
    expect(discovery.grant_types_supported).not.toContain('password');
    expect(discovery.grant_types_supported).not.toContain('implicit');
  });
});
