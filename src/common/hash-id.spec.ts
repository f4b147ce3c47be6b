import { createHash } from 'node:crypto';
import { hashId } from './hash-id.js';

describe('hashId', () => {
  it('is the base64url SHA-256 of the value', () => {
    expect(hashId('token-value')).toBe(
      createHash('sha256').update('token-value').digest('base64url'),
    );
  });

  it('matches a known SHA-256 test vector', () => {
    // SHA-256("") = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
    expect(hashId('')).toBe(
      Buffer.from(
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'hex',
      ).toString('base64url'),
    );
  });

  it('is 43 characters, which fits the 64-character id columns', () => {
    expect(hashId('x'.repeat(1000))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is deterministic and distinguishes different values', () => {
    expect(hashId('abc')).toBe(hashId('abc'));
    expect(hashId('abc')).not.toBe(hashId('abd'));
  });
});
