import { randomBytes } from 'node:crypto';

/**
 * The rules of emailed links, apart from storage: what each kind is for, how long it works,
 * and whether a given link may still be used.
 */
export const LINK_LIFETIMES = {
  /** Reset links are short-lived: whoever holds one can take the account (OWASP Forgot Password cheat sheet). */
  reset_password: 30 * 60,
  verify_email: 24 * 60 * 60,
  change_email: 24 * 60 * 60,
  invitation: 7 * 24 * 60 * 60,
} as const;

export type LinkPurpose = keyof typeof LINK_LIFETIMES;

/** Where each kind of link leads (the token follows the path). */
export const LINK_PATHS: Record<LinkPurpose, string> = {
  reset_password: '/password/reset/',
  verify_email: '/email/verify/',
  change_email: '/email/change/',
  invitation: '/invite/',
};

/** How a link's lifetime reads in its email. */
export function lifetimeInWords(purpose: LinkPurpose): string {
  const seconds = LINK_LIFETIMES[purpose];
  if (seconds % 86400 === 0) {
    const days = seconds / 86400;
    return days === 1 ? '24 hours' : `${days} days`;
  }
  return `${seconds / 60} minutes`;
}

/**
 * A link's token: 256 random bits, base64url (43 characters). Only its SHA-256 is stored, so
 * the database alone cannot be used to follow a link.
 */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a string could be one of our tokens at all (anything else is not looked up). */
export function looksLikeLinkToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

export type LinkState = 'valid' | 'used' | 'superseded' | 'expired';

export interface LinkTimes {
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/**
 * Whether a link may be used at `now` (ms): once only, before it expires, and only while it is
 * the newest of its kind for its person (asking again supersedes the links sent before, so a
 * forgotten one in an old mail is worth nothing). A used link says so even once superseded or
 * expired: that is the most useful thing to tell its reader.
 */
export function linkState(link: LinkTimes, newestCreatedAt: number, now: number): LinkState {
  if (link.usedAt !== null) {
    return 'used';
  }
  if (newestCreatedAt > link.createdAt) {
    return 'superseded';
  }
  return now >= link.expiresAt ? 'expired' : 'valid';
}

/**
 * The creation time of a new link: now, or just after the newest one of its kind for the same
 * person, so that "newer" is never a tie between two links issued within the same millisecond.
 */
export function creationTime(now: number, newestCreatedAt: number | undefined): number {
  return newestCreatedAt === undefined ? now : Math.max(now, newestCreatedAt + 1);
}
