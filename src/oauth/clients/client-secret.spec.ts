import { createHash } from 'node:crypto';
import { clientSecretMatches, generateClientSecret, hashClientSecret } from './client-secret.js';

const BASE64URL_256_BITS = /^[A-Za-z0-9_-]{43}$/;

describe('generateClientSecret', () => {
  it('returns 43 base64url characters encoding 256 random bits', () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(BASE64URL_256_BITS);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(Buffer.from(secret, 'base64url').toString('base64url')).toBe(secret);
  });

  it('returns a different secret every time', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateClientSecret()));
    expect(secrets.size).toBe(100);
  });
});

describe('hashClientSecret', () => {
  it('is the base64url SHA-256 of the secret', () => {
    expect(hashClientSecret('s3cret')).toBe(
      createHash('sha256').update('s3cret').digest('base64url'),
    );
  });

  it('matches a known SHA-256 test vector', () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(hashClientSecret('abc')).toBe(
      Buffer.from(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        'hex',
      ).toString('base64url'),
    );
  });

  it('returns 43 base64url characters without padding', () => {
    expect(hashClientSecret(generateClientSecret())).toMatch(BASE64URL_256_BITS);
  });

  it('differs from the secret itself', () => {
    const secret = generateClientSecret();
    expect(hashClientSecret(secret)).not.toBe(secret);
  });
});

describe('clientSecretMatches', () => {
  const secret = generateClientSecret();
  const storedHash = hashClientSecret(secret);

  it('is true for the secret whose hash is stored', () => {
    expect(clientSecretMatches(secret, storedHash)).toBe(true);
  });

  it('is false for a different secret', () => {
    expect(clientSecretMatches(generateClientSecret(), storedHash)).toBe(false);
  });

  it('is false for the secret with one character changed', () => {
    const last = secret.at(-1) === 'A' ? 'B' : 'A';
    expect(clientSecretMatches(secret.slice(0, -1) + last, storedHash)).toBe(false);
  });

  it('is false when the stored hash itself is presented', () => {
    expect(clientSecretMatches(storedHash, storedHash)).toBe(false);
  });

  it.each([undefined, null, 42, {}, [secret], Buffer.from(secret)])(
    'is false for the non-string secret %p',
    (presented) => {
      expect(clientSecretMatches(presented, storedHash)).toBe(false);
    },
  );

  it('is false for an empty presented secret', () => {
    expect(clientSecretMatches('', storedHash)).toBe(false);
  });

  it('is false when no hash is stored (a public client)', () => {
    expect(clientSecretMatches(secret, undefined)).toBe(false);
  });

  it('is false for an empty stored hash, even for an empty secret', () => {
    expect(clientSecretMatches(secret, '')).toBe(false);
    expect(clientSecretMatches('', '')).toBe(false);
  });

  it('is false, without throwing, for a stored hash of the wrong length', () => {
    expect(() => clientSecretMatches(secret, storedHash.slice(0, 20))).not.toThrow();
    expect(clientSecretMatches(secret, storedHash.slice(0, 20))).toBe(false);
    expect(clientSecretMatches(secret, storedHash + storedHash)).toBe(false);
  });

  it('is false for a hash computed with another digest', () => {
    const sha512 = createHash('sha512').update(secret).digest('base64url');
    expect(clientSecretMatches(secret, sha512)).toBe(false);
  });
});
