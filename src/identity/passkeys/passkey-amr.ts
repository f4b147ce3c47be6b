import type { Passkey } from './passkeys.store.js';

/**
 * The `amr` values (RFC 8176 §2) a passkey sign-in earns.
 *
 * - The key: `hwk` ("proof-of-possession of a hardware-secured key") for a single-device
 *   credential, which never leaves its authenticator (a security key, a platform TPM or secure
 *   enclave); `swk` ("software-secured key") for a multi-device one (WebAuthn §6.1.3: backup
 *   eligible), which a passkey provider copies between devices, so its private key exists
 *   outside any one piece of hardware. Without attestation (Gatehouse asks for none) that flag
 *   is the best evidence there is.
 * - `mfa` for a passwordless sign-in with user verification: the authenticator proved
 *   possession of the key (something you have) and unlocked it with a PIN or biometric of the
 *   person (something you know or are), which RFC 8176 §2's `mfa` ("multiple-factor
 *   authentication") describes, and which NIST SP 800-63B §5.1.9 counts as a multi-factor
 *   cryptographic authenticator. Which of PIN or biometric it was is not reported, so neither
 *   `pin` nor `fpt` is claimed. Without user verification (a second factor after a password,
 *   where presence is enough) the passkey is one factor: the caller adds `pwd` and `mfa`.
 */
export function passkeyAmr(
  passkey: Pick<Passkey, 'deviceType'>,
  { userVerified, passwordless }: { userVerified: boolean; passwordless: boolean },
): string[] {
  const key = passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk';
  return passwordless && userVerified ? [key, 'mfa'] : [key];
}
