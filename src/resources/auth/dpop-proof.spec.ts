import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { type ReplayMemory, verifyDpopProof } from './dpop-proof.js';

const URL_ = 'https://id.example.com/api/drive/files';
const TOKEN = 'an-access-token';

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let jkt: string;
  let seen: Set<string>;
  const replays: ReplayMemory = {
    firstUse: (jti) => (seen.has(jti) ? false : (seen.add(jti), true)),
  };

  beforeAll(async () => {
    keys = await generateKeyPair('ES256');
    jkt = await calculateJwkThumbprint(await exportJWK(keys.publicKey));
  });

  beforeEach(() => {
    seen = new Set();
  });

  async function proof(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
  ): Promise<string> {
    return new SignJWT({
      htm: 'GET',
      htu: URL_,
      ath: createHash('sha256').update(TOKEN).digest('base64url'),
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({
        alg: 'ES256',
        typ: 'dpop+jwt',
        jwk: await exportJWK(keys.publicKey),
        ...header,
      })
      .setIssuedAt()
      .sign(keys.privateKey);
  }

  const verify = (
    proofs: string[],
    overrides: Partial<Parameters<typeof verifyDpopProof>[0]> = {},
  ) =>
    verifyDpopProof(
      { proofs, method: 'GET', url: URL_, accessToken: TOKEN, jkt, ...overrides },
      replays,
    );

  it('accepts a proof for this request, token and key; htu is compared without query', async () => {
    await expect(verify([await proof({ htu: `${URL_}?page=2` })])).resolves.toBeUndefined();
    await expect(verify([await proof()], { method: 'get' })).resolves.toBeUndefined();
  });

  it.each([
    ['no proof', () => Promise.resolve([]), 'A DPoP proof is required'],
    ['two proofs', async () => [await proof(), await proof()], 'Send exactly one DPoP proof'],
    ['the wrong typ', async () => [await proof({}, { typ: 'JWT' })], 'The DPoP proof is invalid'],
    ['no ath', async () => [await proof({ ath: undefined })], 'The DPoP proof is invalid'],
    [
      'another method',
      async () => [await proof({ htm: 'DELETE' })],
      'The DPoP proof is for another method',
    ],
    [
      'another path',
      async () => [await proof({ htu: 'https://id.example.com/api/other' })],
      'The DPoP proof is for another URL',
    ],
  ])('refuses %s', async (_label, make, message) => {
    await expect(verify(await make())).rejects.toMatchObject({ name: 'InvalidDpopProof', message });
  });

  it('refuses another key, a private key in the header, and a replay', async () => {
    await expect(verify([await proof()], { jkt: 'other-thumbprint' })).rejects.toThrow(
      'The DPoP proof is signed with another key than the token is bound to',
    );
    const privateJwk = await exportJWK(
      (await generateKeyPair('ES256', { extractable: true })).privateKey,
    );
    await expect(verify([await proof({}, { jwk: privateJwk })])).rejects.toThrow(
      'The DPoP proof is invalid',
    );
    const once = await proof();
    await verify([once]);
    await expect(verify([once])).rejects.toThrow('The DPoP proof was used before');
  });
});
