import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Marks sealed material, and its format: AES-256-GCM, IV 96 bits, tag 128 bits. */
const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/**
 * Seals key material at rest with AES-256-GCM (NIST SP 800-38D): a fresh random IV per
 * seal, the key's id as additional data, so a sealed value moved to another row does not open.
 */
export function seal(plaintext: string, kid: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

/**
 * Opens sealed material with the first of `keys` that authenticates it; which one it was (its
 * index), or undefined when none does (a wrong key, or tampered material).
 */
export function unseal(
  stored: string,
  kid: string,
  keys: Buffer[],
): { plaintext: string; keyIndex: number } | undefined {
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const ciphertext = raw.subarray(IV_BYTES + TAG_BYTES);
  for (const [keyIndex, key] of keys.entries()) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      return { plaintext: plaintext.toString('utf8'), keyIndex };
    } catch {
      // Not this key: try the next.
    }
  }
  return undefined;
}
