import { DataSource } from 'typeorm';
import { useTestApp } from '../support/e2e.js';
import { TestApp } from '../support/test-app.js';
import { codeFlowWithNewClient, discover, oidc } from '../support/oauth-client.js';

describe('operations', () => {
  it('token lifetimes follow the configuration', async () => {
    const app = await TestApp.start({ ACCESS_TOKEN_TTL: '2m', ID_TOKEN_TTL: '5m' });
    try {
      const service = await app.createClient({ type: 'service' });
      const cc = await oidc.clientCredentialsGrant(await discover(app, service), {
        scope: 'drive.read',
      });
      expect(cc.expires_in).toBe(120);

      const { tokens } = await codeFlowWithNewClient(app, await app.createUser(), 'spa');
      expect(tokens.expires_in).toBe(120);
      const claims = tokens.claims()!;
      expect(claims.exp - claims.iat).toBe(300);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['jwt', /^[\w-]+\.[\w-]+\.[\w-]+$/],
    ['opaque', /^[\w-]{43}$/],
  ])('ACCESS_TOKEN_FORMAT=%s shapes the API access tokens', async (format, shape) => {
    const app = await TestApp.start({ ACCESS_TOKEN_FORMAT: format });
    try {
      const service = await app.createClient({ type: 'service', scope: 'drive.read' });
      const token = await oidc.clientCredentialsGrant(await discover(app, service), {
        scope: 'drive.read',
      });
      expect(token.access_token).toMatch(shape);
      const stored = await app.app
        .get(DataSource)
        .query<{ payload: string }[]>(
          "SELECT payload FROM oidc_payloads WHERE kind = 'ClientCredentials'",
        );
      if (format === 'jwt') {
        // Self-encoded tokens are not stored at all.
        expect(stored).toEqual([]);
      } else {
        expect(stored).toHaveLength(1);
        expect(JSON.parse(stored[0].payload)).toMatchObject({
          aud: `${app.issuer}/api`,
          clientId: service.clientId,
          scope: 'drive.read',
        });
        expect(stored[0].payload).not.toContain(token.access_token);
      }
    } finally {
      await app.close();
    }
  });

  describe('GET /health', () => {
    const setup = useTestApp({ user: false });

    it('is 200 while the database answers', async () => {
      const { app } = setup;
      const response = await fetch(app.url('/health'));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('is 503 when the database is gone, without details', async () => {
      const { app } = setup;
      await app.app.get(DataSource).destroy();
      const response = await fetch(app.url('/health'));
      expect(response.status).toBe(503);
      // RFC 9110 §15.6.4: a 503 says when to try again.
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The database is unreachable.',
      });
      await app.app.get(DataSource).initialize();
    });
  });
});
