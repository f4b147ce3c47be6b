import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomUUID,
  sign as rsaSign,
} from 'node:crypto';
import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import {
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifier,
} from './jwt-access-token.verifier.js';
import { InvalidAccessToken } from './access-token-context.js';

const ISSUER = 'https://auth.example.com';
const API = `${ISSUER}/api`;
const INVALID = 'The access token is invalid';
const EXPIRED = 'The access token expired';
const CLIENT_ID = 'Q2xpZW50SWQtMTIzNDU2Nw';
const USER_ID = randomUUID();

interface SigningKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  /** The private JWK, as KeysService stores it. */
  jwk: JWK;
}

/** A key generated the way KeysService generates them. */
async function signingKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(exported);
  return { alg, kid, privateKey, jwk: { ...exported, kid, alg, use: 'sig' } };
}

const now = () => Math.floor(Date.now() / 1000);

/** The claims oidc-provider 9 puts in an authorization-code access token for the API. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    jti: 'jti-1',
    sub: USER_ID,
    iat: now(),
    exp: now() + 600,
    scope: 'drive.read drive.write',
    client_id: CLIENT_ID,
    iss: ISSUER,
    aud: API,
    ...overrides,
  };
}

function withoutClaim(name: string): JWTPayload {
  const payload = claims();
  delete payload[name];
  return payload;
}

async function sign(
  key: SigningKey,
  payload: JWTPayload = claims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header })
    .sign(key.privateKey);
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

/** A JWS assembled by hand, for headers jose refuses to produce. */
function handMade(header: Record<string, unknown>, payload: JWTPayload, secret?: string | Buffer) {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = secret ? createHmac('sha256', secret).update(input).digest('base64url') : '';
  return `${input}.${signature}`;
}

/** An RS256 JWS signed with node:crypto, for headers jose refuses to sign. */
function rsaSignedByHand(key: SigningKey, header: Record<string, unknown>, payload: JWTPayload) {
  const input = `${encode(header)}.${encode(payload)}`;
  const privateKey = createPrivateKey({ key: key.jwk, format: 'jwk' });
  return `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

async function rejection(verify: JwtAccessTokenVerifier, token: string): Promise<unknown> {
  return verify(token).then(
    () => new Error('expected the token to be rejected'),
    (error: unknown) => error,
  );
}

describe('createJwtAccessTokenVerifier', () => {
  let rsa: SigningKey;
  let ec: SigningKey;
  let stranger: SigningKey;
  let verify: JwtAccessTokenVerifier;

  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([
      signingKey('RS256'),
      signingKey('ES256'),
      signingKey('RS256'),
    ]);
    verify = createJwtAccessTokenVerifier({
      issuer: ISSUER,
      audience: API,
      keys: [rsa.jwk, ec.jwk],
    });
  });

  async function expectRejected(token: string, message = INVALID): Promise<void> {
    const error = await rejection(verify, token);
    expect(error).toBeInstanceOf(InvalidAccessToken);
    expect((error as Error).message).toBe(message);
  }

  describe('accepts', () => {
    it('an RS256 user token, with every context field', async () => {
      const payload = claims();
      await expect(verify(await sign(rsa, payload))).resolves.toEqual({
        subject: USER_ID,
        clientId: CLIENT_ID,
        scopes: ['drive.read', 'drive.write'],
        audience: [API],
        expiresAt: new Date(payload.exp! * 1000),
        issuedAt: new Date(payload.iat! * 1000),
        userPresent: true,
        jti: 'jti-1',
      });
    });

    it('the grant key (gid claim) of a user token', async () => {
      const token = await sign(rsa, claims({ gid: 'grant-key-1' }));
      await expect(verify(token)).resolves.toMatchObject({ grantKey: 'grant-key-1' });
    });

    it('the actor (act, RFC 8693 §4.1, nested) and grant client (gcid) of an exchanged token', async () => {
      const act = { sub: 'service-2', act: { sub: 'service-1' } };
      const token = await sign(rsa, claims({ gid: 'g', act, gcid: 'web-app' }));
      await expect(verify(token)).resolves.toMatchObject({ actor: act, grantClientId: 'web-app' });
      const plain = await verify(await sign(rsa, claims()));
      expect(plain).not.toHaveProperty('actor');
      expect(plain).not.toHaveProperty('grantClientId');
    });

    it('the issue time to the millisecond (iat_ms) when it agrees with iat, else iat', async () => {
      const iat = Math.floor(Date.now() / 1000) - 10;
      const precise = await sign(rsa, claims({ iat, iat_ms: iat * 1000 + 734 }));
      await expect(verify(precise)).resolves.toMatchObject({
        issuedAt: new Date(iat * 1000 + 734),
      });
      for (const iatMs of [(iat + 1) * 1000, (iat - 1) * 1000 + 999, '1700000000000', 1.5]) {
        const token = await sign(rsa, claims({ iat, iat_ms: iatMs }));
        await expect(verify(token)).resolves.toMatchObject({ issuedAt: new Date(iat * 1000) });
      }
    });

    it('an ES256 client_credentials token (sub = client_id: no user)', async () => {
      const payload = claims({ sub: CLIENT_ID, scope: 'drive.read', jti: undefined });
      await expect(verify(await sign(ec, payload))).resolves.toEqual({
        subject: CLIENT_ID,
        clientId: CLIENT_ID,
        scopes: ['drive.read'],
        audience: [API],
        expiresAt: new Date(payload.exp! * 1000),
        issuedAt: new Date(payload.iat! * 1000),
        userPresent: false,
      });
    });

    it('typ application/at+jwt (RFC 9068 §4)', async () => {
      const token = await sign(rsa, claims(), { typ: 'application/at+jwt' });
      await expect(verify(token)).resolves.toMatchObject({ subject: USER_ID });
    });

    it('an audience list that includes the API, and a token without scope', async () => {
      const payload = claims({ aud: ['https://other.example.com', API], scope: undefined });
      await expect(verify(await sign(rsa, payload))).resolves.toMatchObject({
        audience: ['https://other.example.com', API],
        scopes: [],
      });
    });

    it('tokens signed by either key, with only the public keys configured', async () => {
      const publicOnly = createJwtAccessTokenVerifier({
        issuer: ISSUER,
        audience: API,
        keys: [rsa, ec].map((key) => ({
          ...createPublicKey({ key: key.jwk, format: 'jwk' }).export({ format: 'jwk' }),
          kid: key.kid,
          alg: key.alg,
        })),
      });
      await expect(publicOnly(await sign(rsa))).resolves.toMatchObject({ subject: USER_ID });
      await expect(publicOnly(await sign(ec))).resolves.toMatchObject({ subject: USER_ID });
    });

    it('a just-expired token within the configured clock tolerance', async () => {
      const tolerant = createJwtAccessTokenVerifier({
        issuer: ISSUER,
        audience: API,
        keys: [rsa.jwk],
        clockToleranceSeconds: 30,
      });
      const token = await sign(rsa, claims({ exp: now() - 10 }));
      await expect(tolerant(token)).resolves.toMatchObject({ subject: USER_ID });
      await expectRejected(token, EXPIRED);
    });
  });

  describe('rejects, with a vague message', () => {
    it('alg none (an unsecured JWT)', async () => {
      await expectRejected(handMade({ alg: 'none', typ: 'at+jwt', kid: rsa.kid }, claims()));
      await expectRejected(handMade({ alg: 'none', typ: 'at+jwt' }, claims()));
      await expectRejected(handMade({ alg: 'None', typ: 'at+jwt', kid: rsa.kid }, claims()));
    });

    it('HS256 keyed with the RSA public key (algorithm confusion)', async () => {
      const publicKey = createPublicKey({ key: rsa.jwk, format: 'jwk' });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const der = publicKey.export({ type: 'spki', format: 'der' });
      const publicJwk = publicKey.export({ format: 'jwk' });
      const header = { alg: 'HS256', typ: 'at+jwt', kid: rsa.kid };
      for (const secret of [pem, der, JSON.stringify(publicJwk), publicJwk.n!]) {
        await expectRejected(handMade(header, claims(), secret));
      }
    });

    it('an ID token with otherwise valid claims (typ JWT, or no typ)', async () => {
      await expectRejected(await sign(rsa, claims(), { typ: 'JWT' }));
      await expectRejected(
        await new SignJWT(claims())
          .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
          .sign(rsa.privateKey),
      );
      // An ID token's audience is the client; even one naming the API is refused for its typ.
      await expectRejected(
        await sign(rsa, claims({ aud: CLIENT_ID, nonce: 'n', azp: CLIENT_ID }), { typ: 'JWT' }),
      );
    });

    it('another typ (e.g. a logout token or a JWT-secured introspection response)', async () => {
      await expectRejected(await sign(rsa, claims(), { typ: 'logout+jwt' }));
      await expectRejected(await sign(rsa, claims(), { typ: 'token-introspection+jwt' }));
    });

    it('a token for another resource, or for the issuer itself', async () => {
      await expectRejected(await sign(rsa, claims({ aud: 'https://other.example.com/api' })));
      await expectRejected(await sign(rsa, claims({ aud: ISSUER })));
      await expectRejected(await sign(rsa, claims({ aud: [ISSUER, CLIENT_ID] })));
      await expectRejected(await sign(rsa, claims({ aud: `${API}/` })));
      await expectRejected(await sign(rsa, withoutClaim('aud')));
    });

    it('the wrong issuer, or none', async () => {
      await expectRejected(await sign(rsa, claims({ iss: 'https://evil.example.com' })));
      await expectRejected(await sign(rsa, claims({ iss: `${ISSUER}/` })));
      await expectRejected(await sign(rsa, withoutClaim('iss')));
    });

    it('an unknown kid, or none', async () => {
      await expectRejected(await sign(stranger));
      await expectRejected(await sign(rsa, claims(), { kid: 'unknown' }));
      await expectRejected(await sign(rsa, claims(), { kid: undefined }));
    });

    it('a known kid on a token signed by another key', async () => {
      await expectRejected(await sign(stranger, claims(), { kid: rsa.kid }));
    });

    it('an ES256 token naming the RSA key (and vice versa)', async () => {
      await expectRejected(await sign(ec, claims(), { kid: rsa.kid }));
      await expectRejected(await sign(rsa, claims(), { kid: ec.kid }));
    });

    it('a tampered payload', async () => {
      const [header, , signature] = (await sign(rsa)).split('.');
      const forged = encode(claims({ scope: 'drive.read drive.write admin' }));
      await expectRejected(`${header}.${forged}.${signature}`);
    });

    it('a tampered header (typ changed after signing)', async () => {
      const [, payload, signature] = (await sign(rsa, claims(), { typ: 'JWT' })).split('.');
      const header = encode({ alg: 'RS256', typ: 'at+jwt', kid: rsa.kid });
      await expectRejected(`${header}.${payload}.${signature}`);
    });

    it('a token whose nbf is in the future', async () => {
      await expectRejected(await sign(rsa, claims({ nbf: now() + 300 })));
    });

    it.each(['exp', 'iat', 'sub', 'client_id'])('a token without %s', async (claim) => {
      await expectRejected(await sign(rsa, withoutClaim(claim)));
    });

    it.each([
      ['a non-string scope', { scope: ['drive.read'] }],
      ['a numeric scope', { scope: 42 }],
      ['a non-string sub', { sub: 42 }],
      ['an empty sub', { sub: '' }],
      ['a non-string client_id', { client_id: { id: CLIENT_ID } }],
      ['a non-string jti', { jti: 7 }],
      ['a string exp', { exp: String(now() + 600) }],
      ['a string iat', { iat: String(now()) }],
      ['a non-string gid', { gid: ['grant'] }],
      ['an act without sub', { act: { client_id: 'x' } }],
      ['an act that is a string', { act: 'service' }],
      ['a nested act without sub', { act: { sub: 'b', act: { sub: 7 } } }],
      ['a non-string gcid', { gcid: 1 }],
    ])('%s', async (_, overrides) => {
      await expectRejected(await sign(rsa, claims(overrides)));
    });

    it.each([
      ['two parts', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0'],
      ['garbage', 'not-a-jwt'],
      ['the empty string', ''],
      ['dots only', '..'],
      ['a bad base64url header', '!!!.eyJzdWIiOiIxIn0.c2ln'],
      ['a JSON array payload', `${encode({ alg: 'RS256', typ: 'at+jwt' })}.${encode([1])}.c2ln`],
      ['five parts (a JWE)', 'a.b.c.d.e'],
      ['an oversized token', `${'a'.repeat(9000)}.b.c`],
    ])('a malformed token: %s', async (_, token) => {
      await expectRejected(token);
    });

    it('a token with an unknown critical header', async () => {
      const header = { alg: 'RS256', typ: 'at+jwt', kid: rsa.kid };
      // The hand-made signer itself is sound: the same header without crit verifies.
      await expect(verify(rsaSignedByHand(rsa, header, claims()))).resolves.toMatchObject({
        subject: USER_ID,
      });
      const critical = { ...header, crit: ['x-gatehouse'], 'x-gatehouse': 1 };
      await expectRejected(rsaSignedByHand(rsa, critical, claims()));
    });
  });

  describe('expiry', () => {
    it('is the one reason stated', async () => {
      await expectRejected(await sign(rsa, claims({ exp: now() - 1 })), EXPIRED);
    });

    it('is not stated for a token this server did not sign', async () => {
      await expectRejected(await sign(stranger, claims({ exp: now() - 60 }), { kid: rsa.kid }));
    });
  });

  it('keeps the precise reason in cause, for logs', async () => {
    const error = (await rejection(verify, await sign(rsa, claims({ aud: ISSUER })))) as Error;
    expect(error.cause).toBeInstanceOf(Error);
    expect(String((error.cause as Error).message)).toMatch(/aud/);
  });

  describe('configuration', () => {
    it('refuses symmetric keys and an empty key set', () => {
      const options = { issuer: ISSUER, audience: API };
      expect(() =>
        createJwtAccessTokenVerifier({
          ...options,
          keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'x' }],
        }),
      ).toThrow(/key type/);
      expect(() => createJwtAccessTokenVerifier({ ...options, keys: [] })).toThrow(/at least one/);
    });

    it('does not modify the keys it is given', () => {
      const keys = [structuredClone(rsa.jwk)];
      createJwtAccessTokenVerifier({ issuer: ISSUER, audience: API, keys });
      expect(keys).toEqual([rsa.jwk]);
      expect(keys[0].d).toEqual(expect.any(String));
    });

    it('verifies with a private key marked key_ops ["sign"] (only its public half is used)', async () => {
      const verifier = createJwtAccessTokenVerifier({
        issuer: ISSUER,
        audience: API,
        keys: [{ ...rsa.jwk, key_ops: ['sign'] }],
      });
      await expect(verifier(await sign(rsa))).resolves.toMatchObject({ subject: USER_ID });
    });
  });
});
