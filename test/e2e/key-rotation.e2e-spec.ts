import { decodeProtectedHeader } from 'jose';
import { KeysService } from '../../src/keys/keys.service.js';
import { callApi, postForm } from '../support/api.js';
import { useTestApp } from '../support/e2e.js';
import type { TestApp, TestClient } from '../support/test-app.js';
import { eventually } from '../support/eventually.js';

const jwksKids = async (app: TestApp) => {
  const response = await fetch(app.url('/oauth/jwks'));
  return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
};

/** A client_credentials JWT from `app` (this very instance), and the kid that signed it. */
const serviceJwt = async (app: TestApp, client: TestClient) => {
  const response = await postForm(
    app,
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'drive.read' },
    client,
  );
  expect(response.status).toBe(200);
  const token = (response.body as { access_token: string }).access_token;
  return { token, kid: decodeProtectedHeader(token).kid };
};

/** keys:rotate reaches running servers without a restart (two instances, one database). */
describe('signing key rotation, live', () => {
  const setup = useTestApp({ user: false });

  it('another instance publishes and signs with the new generation within seconds, and drops a retired one', async () => {
    const { app } = setup;
    const other = await app.startAnotherInstance();
    try {
      const client = await app.createClient({ type: 'service', scope: 'drive.read' });
      const before = await jwksKids(other);
      const old = await serviceJwt(other, client);

      // What `npm run cli -- keys:rotate` does, here through the first instance's service.
      const { added } = await app.app.get(KeysService).rotateSigningKeys();

      // Servers look for new keys every 5 s.
      await eventually(
        async () => expect(await jwksKids(other)).toEqual([...before, ...added].sort()),
        15_000,
        250,
      );
      const fresh = await serviceJwt(other, client);
      expect(added).toContain(fresh.kid);
      expect(before).toContain(old.kid);
      // Both servers accept tokens of both generations (403: a service has no user).
      for (const server of [app, other]) {
        for (const { token } of [old, fresh]) {
          expect((await callApi(server, '/api/drive/files', { token })).status).toBe(403);
        }
      }

      // keys:retire --force: the old generation goes, and with it the tokens it signed.
      const { retired } = await app.app.get(KeysService).retireSigningKeys(0, { force: true });
      expect(retired.sort()).toEqual(before);
      await eventually(
        async () => expect(await jwksKids(other)).toEqual([...added].sort()),
        15_000,
        250,
      );
      for (const server of [app, other]) {
        expect((await callApi(server, '/api/drive/files', { token: old.token })).status).toBe(401);
        expect((await callApi(server, '/api/drive/files', { token: fresh.token })).status).toBe(
          403,
        );
      }
    } finally {
      await other.close();
    }
  });
});
