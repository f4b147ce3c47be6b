import {
  creationTime,
  LINK_LIFETIMES,
  lifetimeInWords,
  linkState,
  looksLikeLinkToken,
  newLinkToken,
} from './email-link-rules.js';

describe('emailed link rules', () => {
  const created = 1_000_000;
  const link = (usedAt: number | null = null) => ({
    createdAt: created,
    expiresAt: created + 60_000,
    usedAt,
  });

  it('lifetimes: reset 30 minutes, verification and email change 24 hours, invitation 7 days', () => {
    expect(LINK_LIFETIMES).toEqual({
      reset_password: 1800,
      verify_email: 86400,
      change_email: 86400,
      invitation: 604800,
    });
    expect(lifetimeInWords('reset_password')).toBe('30 minutes');
    expect(lifetimeInWords('verify_email')).toBe('24 hours');
    expect(lifetimeInWords('invitation')).toBe('7 days');
  });

  it('a token is 256 random bits in base64url, and only such strings look like one', () => {
    const token = newLinkToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(looksLikeLinkToken(token)).toBe(true);
    expect(newLinkToken()).not.toBe(token);
    expect(looksLikeLinkToken(`${token}x`)).toBe(false);
    expect(looksLikeLinkToken(token.replace(/.$/, '='))).toBe(false);
  });

  it('is valid while unused, the newest of its kind, and before its expiry', () => {
    expect(linkState(link(), created, created)).toBe('valid');
    expect(linkState(link(), created, created + 59_999)).toBe('valid');
  });

  it('expires at its expiry instant', () => {
    expect(linkState(link(), created, created + 60_000)).toBe('expired');
  });

  it('is superseded by any newer link of its kind for the same person', () => {
    expect(linkState(link(), created + 1, created)).toBe('superseded');
  });

  it('says "used" once used, even when also superseded or expired', () => {
    expect(linkState(link(created), created, created)).toBe('used');
    expect(linkState(link(created), created + 5, created + 120_000)).toBe('used');
  });

  it('never gives two links of one kind and person the same creation time', () => {
    expect(creationTime(500, undefined)).toBe(500);
    expect(creationTime(500, 400)).toBe(500);
    expect(creationTime(500, 500)).toBe(501);
    expect(creationTime(500, 900)).toBe(901);
  });
});
