import { DataSource } from 'typeorm';
import { Sql } from '../../src/database/sql.js';
import { ClientStore } from '../../src/oauth/clients/client.store.js';
import { ClientsService } from '../../src/oauth/clients/clients.service.js';
import { OidcPayloadStore } from '../../src/tokens/oidc-payload.store.js';
import { InvalidAccessToken } from '../../src/tokens/access-token-context.js';
import { createOpaqueAccessTokenVerifier } from '../../src/tokens/opaque-access-token.verifier.js';
import { codeFlowWithNewClient, discover, oidc } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';

/** Opaque API access tokens (ACCESS_TOKEN_FORMAT=opaque), verified by lookup in the real database. */
describe('opaque access token verifier', () => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: 'opaque' } });
  let sql: Sql;
  /** What the verifier reads through: the app's own stores. */
  let stores: { store: OidcPayloadStore; clients: ClientStore };
  let verify: (token: string) => Promise<unknown>;

  beforeAll(() => {
    const { app } = setup;
    sql = new Sql(app.app.get(DataSource));
    stores = { store: app.app.get(OidcPayloadStore), clients: app.app.get(ClientStore) };
    verify = createOpaqueAccessTokenVerifier({ ...stores, audiences: [`${app.issuer}/api`] });
  });

  async function serviceToken(scope = 'drive.read') {
    const { app } = setup;
    const service = await app.createClient({ type: 'service', scope });
    const tokens = await oidc.clientCredentialsGrant(await discover(app, service), { scope });
    return { service, token: tokens.access_token };
  }

  async function userToken(scope = 'openid drive.read drive.write') {
    const { app, user } = setup;
    const { tokens, client } = await codeFlowWithNewClient(app, user, 'web', { scope });
    return { client, token: tokens.access_token };
  }

  async function rejection(token: string, message = 'The access token is invalid') {
    const error = await verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidAccessToken);
    expect((error as Error).message).toBe(message);
  }

  it('accepts a client credentials token: no user, the service as subject', async () => {
    const { app } = setup;
    const { service, token } = await serviceToken();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(await verify(token)).toEqual({
      subject: service.clientId,
      clientId: service.clientId,
      scopes: ['drive.read'],
      audience: [`${app.issuer}/api`],
      expiresAt: expect.any(Date),
      issuedAt: expect.any(Date),
      userPresent: false,
    });
  });

  it("accepts a user's token for the API", async () => {
    const { user } = setup;
    const { client, token } = await userToken();
    expect(await verify(token)).toMatchObject({
      subject: user.id,
      clientId: client.clientId,
      scopes: ['drive.read', 'drive.write'],
      userPresent: true,
    });
  });

  it('refuses a userinfo token (not audience-bound to the API)', async () => {
    const { token } = await userToken('openid profile');
    await rejection(token);
  });

  it('refuses a token revoked at the revocation endpoint', async () => {
    const { app } = setup;
    const { service, token } = await serviceToken();
    const response = await fetch(app.url('/oauth/revoke'), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${service.clientId}:${service.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(200);
    await rejection(token);
  });

  it("refuses a user's token once its grant is gone", async () => {
    const { token } = await userToken();
    await verify(token);
    const [{ grant_id: grantId }] = await sql.query<{ grant_id: string }>(
      "SELECT grant_id FROM oidc_payloads WHERE kind = 'AccessToken' AND client_id IS NOT NULL ORDER BY expires_at DESC",
    );
    await sql.query("DELETE FROM oidc_payloads WHERE kind = 'Grant' AND grant_id = ?", [grantId]);
    await rejection(token);
  });

  it('refuses every token of a deleted application', async () => {
    const { app } = setup;
    const { service, token } = await serviceToken();
    await app.app.get(ClientsService).delete(service.clientId);
    await rejection(token);
  });

  it('refuses a token whose application row is gone, even if the token row survived', async () => {
    const { service, token } = await serviceToken();
    await sql.query('DELETE FROM clients WHERE id = ?', [service.clientId]);
    await rejection(token);
  });

  it('says an expired token expired', async () => {
    const { app } = setup;
    const { token } = await serviceToken();
    const later = createOpaqueAccessTokenVerifier({
      ...stores,
      audiences: [`${app.issuer}/api`],
      now: () => Date.now() + 11 * 60_000,
    });
    await expect(later(token)).rejects.toThrow('The access token expired');
  });

  it.each([
    ['garbage', 'not a token'],
    ['an unknown token', 'A'.repeat(43)],
    ['a JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ['an empty string', ''],
  ])('refuses %s', async (_label, token) => {
    await rejection(token);
  });

  it('refuses the value of a token for another audience', async () => {
    const { token } = await serviceToken();
    const other = createOpaqueAccessTokenVerifier({
      ...stores,
      audiences: ['https://other.example.com/api'],
    });
    await expect(other(token)).rejects.toThrow('The access token is invalid');
  });
});
