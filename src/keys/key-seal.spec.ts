import { randomBytes } from 'node:crypto';
import { isSealed, seal, unseal } from './key-seal.js';

describe('key sealing (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const other = randomBytes(32);
  const material = JSON.stringify({ kty: 'EC', d: 'private-part', kid: 'k1' });

  it('seals into an opaque, marked value that opens with its key and kid only', () => {
    const sealed = seal(material, 'k1', key);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('private-part');
    expect(unseal(sealed, 'k1', [key])).toEqual({ plaintext: material, keyIndex: 0 });
    expect(unseal(sealed, 'k1', [other])).toBeUndefined();
    // Moved to another row, it does not open.
    expect(unseal(sealed, 'k2', [key])).toBeUndefined();
  });

  it('tells which of several keys opened it (to re-seal with the current one)', () => {
    expect(unseal(seal(material, 'k1', other), 'k1', [key, other])?.keyIndex).toBe(1);
  });

  it('uses a fresh IV each time, and refuses tampered material', () => {
    const a = seal(material, 'k1', key);
    expect(seal(material, 'k1', key)).not.toBe(a);
    const bytes = Buffer.from(a.slice('sealed:v1:'.length), 'base64url');
    bytes[bytes.length - 1] ^= 1;
    expect(unseal(`sealed:v1:${bytes.toString('base64url')}`, 'k1', [key])).toBeUndefined();
    expect(isSealed(material)).toBe(false);
  });
});
