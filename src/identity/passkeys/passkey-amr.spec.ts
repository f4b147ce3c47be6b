import { passkeyAmr } from './passkey-amr.js';

describe('passkeyAmr (RFC 8176 §2)', () => {
  it('says hwk for a key bound to one authenticator, swk for a synced one', () => {
    const once = { userVerified: false, passwordless: false };
    expect(passkeyAmr({ deviceType: 'singleDevice' }, once)).toEqual(['hwk']);
    expect(passkeyAmr({ deviceType: 'multiDevice' }, once)).toEqual(['swk']);
  });

  it('adds mfa to a passwordless sign-in the authenticator verified the person for', () => {
    const verified = { userVerified: true, passwordless: true };
    expect(passkeyAmr({ deviceType: 'singleDevice' }, verified)).toEqual(['hwk', 'mfa']);
    expect(passkeyAmr({ deviceType: 'multiDevice' }, verified)).toEqual(['swk', 'mfa']);
  });

  it('leaves mfa to the caller when the passkey is the second factor after a password', () => {
    expect(
      passkeyAmr({ deviceType: 'singleDevice' }, { userVerified: true, passwordless: false }),
    ).toEqual(['hwk']);
  });
});
