/**
 * The security-relevant events Gatehouse records (issue: "Audit"). Names are stable: they are
 * what an operator filters on at /admin/audit and in the JSON logs.
 */
export const AUDIT_EVENTS = {
  'user.sign_in': 'A user signed in, or failed to',
  'consent.granted': 'A user allowed an application',
  'consent.denied': 'A user denied an application',
  'token.issued': 'Tokens were issued for a new authorization',
  'token.exchanged': "A client exchanged a user's access token to act for them (RFC 8693)",
  'refresh_token.reused': 'A used refresh token was presented again; its authorization was revoked',
  'grant.revoked': 'An authorization and its tokens were revoked',
  'grant.scope_removed': 'A user took back one scope of an authorization',
  'client.created': 'An application was registered',
  'client.deleted': 'An application was deleted, with its grants and tokens',
  'client.secret_rotated': "An application's secret was rotated",
  'client.secret_revoked': "An application's previous secret was revoked",
  'personal_token.created': 'A user created a personal access token',
  'personal_token.revoked': 'A user revoked a personal access token',
  'user.disabled': 'A user was disabled: signed out, their authorizations and tokens revoked',
  'user.enabled': 'A disabled user was enabled again',
  'user.deleted': 'A user (or their account) was deleted with everything they held',
  'user.updated': "A user's name or admin role was changed",
  'user.password_set': "A user's password was set or changed",
  'user.signed_up': 'Someone signed up (failure: the address already had an account)',
  'email.verification_sent': 'A link to confirm an email address was sent',
  'email.verified': 'A user confirmed their email address',
  'email.change_requested': 'A user asked to move their account to another address',
  'email.changed': "A user's new address was confirmed and the account moved to it",
  'email_link.refused': 'An emailed link was used again, too late, after a newer one, or forged',
  'email_request.throttled': 'Too many requests for emails from one address or for one email',
  'password.reset_requested': 'A password reset link was asked for (failure: no such account)',
  'password.reset': "A user's password was reset by link; their sessions and tokens were revoked",
  'invitation.sent': 'An administrator invited an email address',
  'invitation.accepted': 'An invited person created their account',
  'second_factor.added': 'A user set up a second factor, or made new recovery codes',
  'second_factor.removed': 'A user removed a second factor',
  'second_factor.reset': 'An administrator removed every second factor of a user',
  'second_factor.verified': 'A user proved a second factor at sign-in, or failed to',
  'recovery_code.used': 'A user signed in with a recovery code',
  'passkey.added': 'A user registered a passkey',
  'passkey.renamed': 'A user renamed a passkey',
  'passkey.removed': 'A user removed a passkey',
} as const;

export type AuditEventName = keyof typeof AUDIT_EVENTS;

export const AUDIT_OUTCOMES = ['success', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Who did it: a user's id, `cli` for the command line, or a client id for an application
 * acting on its own. `ip` is the request's address (behind TRUST_PROXY, the client's).
 */
export interface Actor {
  id: string;
  ip?: string;
}

/** The command line: an operator on the server's machine. */
export const CLI_ACTOR: Actor = { id: 'cli' };

export interface AuditEntry {
  event: AuditEventName;
  outcome: AuditOutcome;
  actor?: Actor;
  clientId?: string;
  /** More about it: scopes, an email, a reason. Never a secret or a token (see redact()). */
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  id: string;
  at: Date;
  event: AuditEventName;
  outcome: AuditOutcome;
  actorId: string | null;
  clientId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Member names that could carry credentials; their values never reach the log or the table. */
const SENSITIVE = /secret|token|password|code|assertion|authorization|cookie|hash/i;

/**
 * Defence in depth: callers pass only what they mean to record, but a credential that slipped
 * into `details` is replaced by `[redacted]` rather than stored.
 */
export function redact(details: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(details).map(([key, value]) => [
      key,
      SENSITIVE.test(key)
        ? '[redacted]'
        : value !== null && typeof value === 'object' && !Array.isArray(value)
          ? redact(value as Record<string, unknown>)
          : value,
    ]),
  );
}
