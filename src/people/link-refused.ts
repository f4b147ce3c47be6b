import type { LinkPurpose, LinkState } from './email-link-rules.js';

/** Why a link cannot be used: one of the states, or `unknown` (mistyped, tampered, purged). */
export type RefusalReason = Exclude<LinkState, 'valid'> | 'unknown';

/** An emailed link that may not be used; nothing was changed. */
export class LinkRefused extends Error {
  constructor(
    readonly purpose: LinkPurpose,
    readonly reason: RefusalReason,
  ) {
    super(`${purpose} link refused: ${reason}`);
  }
}

/** What the page for a refused link says. */
export function refusalText(reason: RefusalReason): { title: string; message: string } {
  switch (reason) {
    case 'used':
      return {
        title: 'This link was already used',
        message: 'Each link in our emails works only once, and this one has been used.',
      };
    case 'superseded':
      return {
        title: 'This link was replaced by a newer one',
        message:
          'A newer email was sent since this one, and only the newest link works. Use the link in the latest email.',
      };
    case 'expired':
      return {
        title: 'This link has expired',
        message: 'Links in our emails work for a limited time only, and this one is too old.',
      };
    case 'unknown':
      return {
        title: 'This link is not valid',
        message:
          'The link is incomplete or was changed. Copy the whole link from the email, or ask for a new one.',
      };
  }
}
