/** What oidc-provider hands its adapter: a JSON object whose shape depends on the model. */
export type OidcPayload = Record<string, unknown> & {
  jti?: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  consumed?: number;
  session?: Record<string, unknown>;
};

/**
 * Grant ids are identifiers, not credentials (they are never presented by a client), and a
 * grant must be loadable from the account's side (consent remembered across sessions, the
 * connected-apps page), so a Grant keeps its id in the payload. Every other model's id is a
 * bearer credential or a session id and is kept only as a hash.
 */
const KINDS_WITH_PUBLIC_ID = new Set(['Grant']);

/** Stands in for the id inside stored strings (an Interaction's returnTo URL embeds its uid). */
const ID_PLACEHOLDER = '{{id}}';

/** Removes every field that would reveal a credential before the payload is stored. */
export function redact(kind: string, payload: OidcPayload): OidcPayload {
  const { jti, userCode, consumed, ...rest } = payload;
  void userCode; // kept only as a hash in its own column
  void consumed; // kept in consumed_at, which only `consume` sets
  if (KINDS_WITH_PUBLIC_ID.has(kind)) {
    rest.jti = jti;
  } else if (jti && typeof rest.returnTo === 'string') {
    rest.returnTo = rest.returnTo.split(jti).join(ID_PLACEHOLDER);
  }
  if (rest.session && 'cookie' in rest.session) {
    // Interaction payloads copy the session cookie value; oidc-provider never reads it back.
    const { cookie, ...session } = rest.session;
    void cookie;
    rest.session = session;
  }
  return rest;
}

/** Rebuilds the payload oidc-provider expects from a stored row and what the caller knew. */
export function restore(
  stored: string,
  known: { jti?: string; userCode?: string },
  consumedAt: number | null,
): OidcPayload {
  const payload = JSON.parse(stored) as OidcPayload;
  if (known.jti !== undefined) {
    payload.jti = known.jti;
    if (typeof payload.returnTo === 'string') {
      payload.returnTo = payload.returnTo.split(ID_PLACEHOLDER).join(known.jti);
    }
  }
  if (known.userCode !== undefined) {
    payload.userCode = known.userCode;
  }
  if (consumedAt !== null) {
    payload.consumed = Math.floor(consumedAt / 1000);
  }
  return payload;
}
