import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KeyEntity } from '../../src/keys/key.entity.js';
import { discover, oidc } from '../support/oauth-client.js';
import { TestApp } from '../support/test-app.js';

const hexKey = () => randomBytes(32).toString('hex');

/** KEYS_ENCRYPTION_KEY: signing and cookie keys sealed at rest (AES-256-GCM). */
describe('sealed keys', () => {
  let app: TestApp;

  afterAll(async () => {
    await app.close();
  });

  const stored = async () =>
    (await app.app.get(DataSource).getRepository(KeyEntity).find()).map((key) => key.material);
  const jwksKids = async () => {
    const response = await fetch(app.url('/oauth/jwks'));
    return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
  };
  /** The keys work: a token is signed, and the API accepts it (403: a service has no user). */
  const tokensWork = async () => {
    const client = await app.createClient({ type: 'service', scope: 'drive.read' });
    const tokens = await oidc.clientCredentialsGrant(await discover(app, client), {
      scope: 'drive.read',
    });
    const drive = await fetch(app.url('/api/drive/files'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(drive.status).toBe(403);
  };

  it('seals keys stored in the clear at the first start with a key, then needs that key', async () => {
    app = await TestApp.start();
    const kids = await jwksKids();
    expect((await stored()).some((material) => material.includes('"d":'))).toBe(true);

    const first = hexKey();
    app = await app.restart({ KEYS_ENCRYPTION_KEY: first });
    const materials = await stored();
    expect(materials.length).toBeGreaterThanOrEqual(3);
    for (const material of materials) {
      expect(material).toMatch(/^sealed:v1:[A-Za-z0-9_-]+$/);
    }
    expect(await jwksKids()).toEqual(kids);
    await tokensWork();

    // Without the key, or with another one, the server does not start.
    await app.app.close();
    await expect(app.restart({ KEYS_ENCRYPTION_KEY: '' })).rejects.toThrow(
      'KEYS_ENCRYPTION_KEY: the signing keys in the database are sealed; set the key they were sealed with',
    );
    await expect(app.restart({ KEYS_ENCRYPTION_KEY: hexKey() })).rejects.toThrow(
      'KEYS_ENCRYPTION_KEY: it does not open the signing keys in the database',
    );

    // Re-sealing: the new key, with the old one as PREVIOUS, for one start.
    const second = randomBytes(32).toString('base64url');
    app = await app.restart({ KEYS_ENCRYPTION_KEY: second, KEYS_ENCRYPTION_KEY_PREVIOUS: first });
    expect(await jwksKids()).toEqual(kids);
    app = await app.restart({ KEYS_ENCRYPTION_KEY: second, KEYS_ENCRYPTION_KEY_PREVIOUS: '' });
    expect(await jwksKids()).toEqual(kids);
    await tokensWork();
    await app.app.close();
    await expect(app.restart({ KEYS_ENCRYPTION_KEY: first })).rejects.toThrow(
      'it does not open the signing keys',
    );
    app = await app.restart({ KEYS_ENCRYPTION_KEY: second });
  });

  it('refuses a key that is not 256 bits', async () => {
    await expect(TestApp.start({ KEYS_ENCRYPTION_KEY: 'abc' })).rejects.toThrow(
      'KEYS_ENCRYPTION_KEY: must be 32 random bytes as 64 hex digits or 43 base64url characters',
    );
  });
});
