import {
  ACR_MFA,
  ACR_PASSWORD,
  methodsOf,
  provedSecondFactor,
  signInMethods,
} from './authentication-methods.js';

describe('signInMethods (RFC 8176 amr, and acr)', () => {
  it('a password alone: pwd, the password level', () => {
    expect(signInMethods(['pwd'])).toEqual({ amr: ['pwd'], acr: ACR_PASSWORD });
  });

  it('a password and a code: pwd, otp and mfa, the MFA level', () => {
    expect(signInMethods(['pwd', 'otp'])).toEqual({ amr: ['pwd', 'otp', 'mfa'], acr: ACR_MFA });
  });

  it('names each method once', () => {
    expect(signInMethods(['pwd', 'otp', 'otp']).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('a passkey alone reaches the MFA level without claiming two factors', () => {
    expect(signInMethods(['hwk'])).toEqual({ amr: ['hwk'], acr: ACR_MFA });
  });
});

describe('provedSecondFactor and methodsOf', () => {
  it.each([
    [undefined, false],
    [['pwd'], false],
    [['pwd', 'otp', 'mfa'], true],
    [['swk'], true],
  ])('%j: %s', (amr, proved) => {
    expect(provedSecondFactor(amr)).toBe(proved);
  });

  it('keeps the methods of a session, not mfa or unknown values', () => {
    expect(methodsOf(['pwd', 'otp', 'mfa', 'face'])).toEqual(['pwd', 'otp']);
  });
});
