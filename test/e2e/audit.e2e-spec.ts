import { AuditLog } from '../../src/audit/audit-log.service.js';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { ClientsService } from '../../src/oauth/clients/clients.service.js';
import { GrantsService } from '../../src/oauth/grants/grants.service.js';
import { postForm, userApiTokens } from '../support/api.js';
import {
  approve,
  authorizationRequest,
  codeFlowWithNewClient,
  consent,
  discover,
  oidc,
  runCodeFlow,
  signIn,
} from '../support/oauth-client.js';
import { formAction, hiddenField, UserAgent } from '../support/user-agent.js';
import { useTestApp } from '../support/e2e.js';

/**
 * The audit trail through the real app: the events of sign-in, consent, token issuance,
 * refresh reuse, revocation and app management are recorded with actor, client, IP and
 * outcome, and no secret, password or token ever reaches it.
 */
describe('Audit trail', () => {
  const setup = useTestApp({ user: false });
  /** Every credential the tests handle; none may appear in an audit record. */
  const credentials: string[] = [];

  async function events(
    filter: Partial<Parameters<AuditLog['list']>[0]> = {},
  ): Promise<AuditRecord[]> {
    const { app } = setup;
    return (await app.app.get(AuditLog).list({ limit: 200, ...filter })).events;
  }

  afterEach(async () => {
    const all = JSON.stringify(await events());
    for (const credential of credentials.filter(Boolean)) {
      expect(all).not.toContain(credential);
    }
  });

  it('records failed and successful sign-ins, consent and the tokens of a new grant', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const client = await app.createClient({ type: 'web' });
    credentials.push(user.password, client.clientSecret!);
    const config = await discover(app, client);
    const ua = new UserAgent(app.issuer);
    const request = await authorizationRequest(config, client);

    const login = await ua.get(request.url.href);
    const failed = await signIn(ua, login, { ...user, password: 'wrong password here' });
    expect(failed.status).toBe(400);
    credentials.push('wrong password here');

    const callback = await approve(ua, request, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    credentials.push(tokens.access_token, tokens.id_token!, callback.searchParams.get('code')!);

    const mine = await events({ clientId: client.clientId });
    expect(mine.map((e) => [e.event, e.outcome, e.actorId])).toEqual([
      ['token.issued', 'success', user.id],
      ['consent.granted', 'success', user.id],
      ['user.sign_in', 'success', user.id],
      ['user.sign_in', 'failure', user.email],
      ['client.created', 'success', 'cli'],
    ]);
    const [issued, consented, signedIn, refused] = mine;
    expect(refused.details).toEqual({ email: user.email, reason: 'bad_credentials' });
    expect(refused.ip).toBe('127.0.0.1');
    expect(signedIn.details).toEqual({ email: user.email });
    expect(consented.details).toEqual({ scope: 'openid profile email' });
    expect(issued.details).toEqual({
      grant_type: 'authorization_code',
      scope: 'openid profile email',
    });
    expect(issued.ip).toBe('127.0.0.1');
  });

  it('records a denied consent, but not a cancelled sign-in', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const client = await app.createClient({ type: 'web' });
    const config = await discover(app, client);
    const ua = new UserAgent(app.issuer);
    const request = await authorizationRequest(config, client);
    const consentPage = await signIn(ua, await ua.get(request.url.href), user);
    const denied = await consent(ua, consentPage, 'Deny');
    expect(new URL(denied.location!).searchParams.get('error')).toBe('access_denied');

    // Cancelling the sign-in page is no consent decision.
    const cancelRequest = await authorizationRequest(config, client);
    const otherUa = new UserAgent(app.issuer);
    const login = await otherUa.get(cancelRequest.url.href);
    const cancelled = await otherUa.postForm(formAction(login.body, 'Cancel'), {
      _csrf: hiddenField(login.body, '_csrf'),
    });
    expect(new URL(cancelled.location!).searchParams.get('error')).toBe('access_denied');

    expect(
      (await events({ clientId: client.clientId, event: 'consent.denied' })).map((e) => e.actorId),
    ).toEqual([user.id]);
  });

  it('records a replayed refresh token and the revocation of its grant', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const { tokens, client, config } = await codeFlowWithNewClient(
      app,
      user,
      { type: 'spa', redirectUris: ['https://spa.example.com/cb'] },
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    credentials.push(tokens.refresh_token!);
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    credentials.push(rotated.refresh_token!, rotated.access_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'grant request is invalid',
    });

    const mine = await events({ clientId: client.clientId });
    expect(mine.slice(0, 2).map((e) => [e.event, e.outcome, e.details])).toEqual([
      ['refresh_token.reused', 'failure', { account_id: user.id, reason: 'grant revoked' }],
      ['grant.revoked', 'success', { account_id: user.id, reason: 'replay_detected' }],
    ]);
  });

  it('records a revocation at the revocation endpoint and a user revoking an app', async () => {
    const { app } = setup;
    const user = await app.createUser();
    const { tokens, client, config } = await codeFlowWithNewClient(app, user, 'web', {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    credentials.push(tokens.refresh_token!);
    const revoked = await postForm(app, '/oauth/revoke', { token: tokens.refresh_token! }, client);
    expect(revoked.status).toBe(200);
    expect((await events({ clientId: client.clientId, event: 'grant.revoked' }))[0]).toMatchObject({
      actorId: client.clientId,
      details: { account_id: user.id, reason: 'revocation_endpoint' },
    });

    // A JWT access token at the revocation endpoint (Gatehouse revokes those itself).
    const jwt = await userApiTokens(app, user, 'drive.read', client);
    expect((await postForm(app, '/oauth/revoke', { token: jwt.accessToken }, client)).status).toBe(
      200,
    );
    expect(await events({ clientId: client.clientId, event: 'grant.revoked' })).toHaveLength(2);

    // An opaque access token is recorded the same way (the engine itself announces nothing).
    const opaque = await codeFlowWithNewClient(app, user, 'web', { scope: 'openid' });
    expect(opaque.tokens.access_token.split('.')).toHaveLength(1);
    const revokedOpaque = await postForm(
      app,
      '/oauth/revoke',
      { token: opaque.tokens.access_token },
      opaque.client,
    );
    expect(revokedOpaque.status).toBe(200);
    expect(await events({ clientId: opaque.client.clientId, event: 'grant.revoked' })).toEqual([
      expect.objectContaining({
        actorId: opaque.client.clientId,
        details: { account_id: user.id, reason: 'revocation_endpoint' },
      }),
    ]);

    await runCodeFlow(new UserAgent(app.issuer), config, client, user);
    await app.app
      .get(GrantsService)
      .revokeApp(user.id, client.clientId, { id: user.id, ip: '192.0.2.1' });
    expect((await events({ clientId: client.clientId, event: 'grant.revoked' }))[0]).toMatchObject({
      actorId: user.id,
      ip: '192.0.2.1',
      details: { account_id: user.id, reason: 'app_revoked', grants: 1 },
    });
  });

  it('records app management with its actor, and never the secret', async () => {
    const { app } = setup;
    const clients = app.app.get(ClientsService);
    const admin = { id: 'admin-user', ip: '198.51.100.9' };
    const { client, clientSecret } = await clients.create(
      { name: 'Audited', type: 'service' },
      admin,
    );
    const rotated = await clients.rotateSecret(client.id, { actor: admin });
    await clients.revokePreviousSecret(client.id, admin);
    await clients.delete(client.id, admin);
    credentials.push(clientSecret!, rotated.clientSecret);

    const mine = await events({ clientId: client.id });
    expect(mine.map((e) => [e.event, e.actorId, e.ip])).toEqual([
      ['client.deleted', 'admin-user', '198.51.100.9'],
      ['client.secret_revoked', 'admin-user', '198.51.100.9'],
      ['client.secret_rotated', 'admin-user', '198.51.100.9'],
      ['client.created', 'admin-user', '198.51.100.9'],
    ]);
    expect(mine[3].details).toEqual({
      name: 'Audited',
      type: 'service',
      scope: 'drive.read drive.write',
      redirect_uris: [],
    });
  });
});
