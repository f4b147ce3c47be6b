/**
 * What Gatehouse recognises oidc-provider's answers by, where it corrects them: the engine's
 * own English (`error_description`, or the detail it logs and announces), the names of its
 * errors and of its checks; and the words of its own that a correction repeats to answer as it
 * would. Defined here only, and each pinned by the spec of the correction
 * that matches it, so that an upgrade that rewords one fails that spec instead of silently
 * turning the correction off.
 */
export const ENGINE_TEXT = {
  /** A token, introspection or revocation request without client authentication. */
  noClientAuthentication: 'no client authentication mechanism provided',
  /** A grant type the client is not registered for, at the token endpoint. */
  grantTypeNotAllowed: 'requested grant type is not allowed for this client',
  /** The device grant, at the device authorization endpoint, for a client not registered for it. */
  deviceGrantNotAllowed:
    'urn:ietf:params:oauth:grant-type:device_code is not allowed for this client',
  /** The engine's refusal of a confidential client revoking another client's token. */
  notAllowedToRevoke: 'client is not authorized to revoke the presented token',
  /**
   * The detail of the `invalid_grant` the engine answers when it finds a code or refresh token
   * used before (its own replay detection), by the kind of what was replayed.
   */
  replayed: {
    AuthorizationCode: 'authorization code already consumed',
    RefreshToken: 'refresh token already used',
    DeviceCode: 'device code already consumed',
  },
} as const;

/** The names the engine gives what Gatehouse hooks into. */
export const ENGINE_NAMES = {
  /**
   * The errors with which the engine shows its device code page again (RFC 8628 §3.3), as
   * `err.name` of `userCodeInputSource`.
   */
  deviceCodeErrors: {
    noCode: 'NoCodeError',
    notFound: 'NotFoundError',
    expired: 'ExpiredError',
    alreadyUsed: 'AlreadyUsedError',
    aborted: 'AbortedError',
  },
  /** The consent prompt, and its check that asks native apps at every authorization. */
  consentPrompt: 'consent',
  nativeClientCheck: 'native_client_prompt',
  /** The error of an interaction or session cookie that is gone (`err.name` of renderError). */
  sessionNotFound: 'SessionNotFound',
} as const;
