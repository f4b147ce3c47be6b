/**
 * How a person authenticated, in the words of RFC 8176 §2 (`amr` of the ID token), and the
 * two levels Gatehouse names in `acr` (OpenID Connect Core §2; listed in discovery as
 * `acr_values_supported`): a password alone, or a password and a second factor.
 */
export type AuthenticationMethod =
  /** a password */
  | 'pwd'
  /** a one-time code: an authenticator app's (RFC 6238) or a recovery code */
  | 'otp'
  /** a hardware-bound key (a security key's passkey) */
  | 'hwk'
  /** a software-bound key (a synced passkey) */
  | 'swk';

/** `amr` values that prove a second factor. */
const SECOND_FACTOR_METHODS: readonly string[] = ['otp', 'hwk', 'swk'];

export const ACR_PASSWORD = 'urn:gatehouse:acr:password';
export const ACR_MFA = 'urn:gatehouse:acr:mfa';
export const ACR_VALUES = [ACR_PASSWORD, ACR_MFA];

/** Whether a sign-in whose `amr` is this proved a second factor. */
export function provedSecondFactor(amr: readonly string[] | undefined): boolean {
  return (amr ?? []).some((method) => SECOND_FACTOR_METHODS.includes(method));
}

/**
 * The `amr` and `acr` of a sign-in that used `methods`; `mfa` (RFC 8176: more than one
 * factor) is added when a second factor joined the password. A passkey alone (user-verified,
 * so possession and a PIN or biometric) also reaches the MFA level.
 */
export function signInMethods(methods: readonly AuthenticationMethod[]): {
  amr: string[];
  acr: string;
} {
  const amr = [...new Set(methods)];
  const multiple = amr.includes('pwd') && provedSecondFactor(amr);
  return {
    amr: multiple ? [...amr, 'mfa'] : amr,
    acr: provedSecondFactor(amr) ? ACR_MFA : ACR_PASSWORD,
  };
}

/** The methods of an `amr` (a session's so far), without `mfa` and anything unknown. */
export function methodsOf(amr: readonly string[] | undefined): AuthenticationMethod[] {
  const known: readonly string[] = ['pwd', 'otp', 'hwk', 'swk'];
  return (amr ?? []).filter((method): method is AuthenticationMethod => known.includes(method));
}
