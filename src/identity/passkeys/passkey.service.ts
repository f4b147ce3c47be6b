import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { AuditLog } from '../../audit/audit-log.service.js';
import type { Actor } from '../../audit/audit-event.js';
import { NotFoundError, UserInputError } from '../../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Mailer } from '../../mail/mailer.service.js';
import type { UserEntity } from '../user.entity.js';
import { UsersService } from '../users.service.js';
import { passkeyAmr } from './passkey-amr.js';
import { PasskeyChallengesStore } from './passkey-challenges.store.js';
import { type Passkey, PasskeysStore } from './passkeys.store.js';

/** How long a ceremony may take, from its options to its answer (also the browser's timeout). */
export const CEREMONY_TTL_MS = 5 * 60_000;
/** Enough for every device a person has; bounds what one account can store. */
export const MAX_PASSKEYS = 20;
export const MAX_NAME_LENGTH = 100;
/** Larger than any real credential response (attestation "none"), small enough to parse. */
export const MAX_RESPONSE_LENGTH = 16_384;

/** A ceremony refused, with a message the page shows as it is. */
export class PasskeyRefused extends UserInputError {}

/** A passkey that signed someone in, and what it proved. */
export interface PasskeyAuthentication {
  user: UserEntity;
  passkey: Passkey;
  userVerified: boolean;
  /** RFC 8176 values for the login result (see passkey-amr.ts). */
  amr: string[];
}

/**
 * Passkeys (WebAuthn Level 3 with @simplewebauthn/server): register, list, rename, remove, and
 * sign in with one — passwordless with a discoverable credential, or as the second factor of a
 * known user.
 *
 * Each ceremony is two calls with the same `binding`: what the challenge is tied to (the
 * caller's browser session or sign-in interaction, e.g. `interaction:<uid>`). The options call
 * stores a fresh challenge for that binding (replacing any earlier one); the verify call takes
 * it, so it is answered once, and only within CEREMONY_TTL_MS. The RP ID is ISSUER's host and
 * the only accepted origin is ISSUER's origin (WebAuthn §5.1.3, §7.1 steps 9 and 15).
 * Enrolment, renaming and removal are audited; enrolment and removal are emailed.
 */
@Injectable()
export class PasskeyService {
  private readonly rpID: string;
  private readonly origin: string;

  constructor(
    private readonly passkeys: PasskeysStore,
    private readonly challenges: PasskeyChallengesStore,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly mailer: Mailer,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const issuer = new URL(config.issuer);
    this.rpID = issuer.hostname;
    this.origin = issuer.origin;
  }

  list(userId: string): Promise<Passkey[]> {
    return this.passkeys.listForUser(userId);
  }

  /** Whether the user has a passkey at all (e.g. to offer "Use a passkey" as a second factor). */
  async has(userId: string): Promise<boolean> {
    return (await this.passkeys.listForUser(userId)).length > 0;
  }

  /**
   * Options for `navigator.credentials.create()`: a discoverable credential (so that it can
   * sign in without an email), user verification preferred, the user's other passkeys
   * excluded (the same authenticator is not registered twice).
   */
  async registrationOptions(
    user: UserEntity,
    binding: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.passkeys.listForUser(user.id);
    if (existing.length >= MAX_PASSKEYS) {
      throw new PasskeyRefused(
        `You have ${MAX_PASSKEYS} passkeys, the most an account can have. Remove one first.`,
      );
    }
    const options = await generateRegistrationOptions({
      rpName: 'Gatehouse',
      rpID: this.rpID,
      userID: userHandleOf(user.id),
      userName: user.email,
      userDisplayName: user.name ?? user.email,
      timeout: CEREMONY_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.challenges.put(registerBinding(binding), {
      challenge: options.challenge,
      userId: user.id,
      expiresAt: Date.now() + CEREMONY_TTL_MS,
    });
    return options;
  }

  /** Verifies the browser's answer to registrationOptions() and keeps the passkey as `name`. */
  async register(
    user: UserEntity,
    binding: string,
    response: unknown,
    name: string,
    actor: Actor,
  ): Promise<Passkey> {
    const label = passkeyName(name);
    const pending = await this.takeChallenge(registerBinding(binding));
    if (pending.userId !== user.id) {
      throw expired();
    }
    const parsed = parseResponse<RegistrationResponseJSON>(response);
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: parsed,
        expectedChallenge: pending.challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        requireUserVerification: false,
      });
    } catch (error) {
      throw refusedBy(error);
    }
    if (!verified.verified) {
      throw new PasskeyRefused('The passkey could not be verified. Try again.');
    }
    const info = verified.registrationInfo;
    if (await this.passkeys.findByCredentialId(info.credential.id)) {
      throw new PasskeyRefused('This passkey is already registered.');
    }
    if ((await this.passkeys.listForUser(user.id)).length >= MAX_PASSKEYS) {
      throw new PasskeyRefused(`An account can have at most ${MAX_PASSKEYS} passkeys.`);
    }
    const passkey: Passkey = {
      id: randomUUID(),
      userId: user.id,
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      transports: (info.credential.transports ?? parsed.response.transports ?? [])
        .filter((transport) => /^[a-z-]{1,20}$/.test(transport))
        .slice(0, 8),
      name: label,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      createdAt: new Date(),
      lastUsedAt: null,
    };
    await this.passkeys.insert(passkey);
    await this.audit.record({
      event: 'passkey.added',
      outcome: 'success',
      actor,
      details: { passkey: passkey.id, name: passkey.name, device_type: passkey.deviceType },
    });
    this.mailer.queue({ to: user.email, kind: 'passkey_added', input: { passkeyName: label } });
    return passkey;
  }

  /**
   * Options for `navigator.credentials.get()`. Without `userId`, a discoverable sign-in: no
   * credentials listed (the authenticator offers the passkeys it holds for this RP) and user
   * verification required, since the passkey is the only factor. With `userId`, the second
   * factor of that user: their passkeys listed, user presence enough.
   */
  async authenticationOptions(
    binding: string,
    { userId }: { userId?: string } = {},
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowed = userId ? await this.passkeys.listForUser(userId) : [];
    if (userId && allowed.length === 0) {
      throw new PasskeyRefused('This account has no passkey.');
    }
    const options = await generateAuthenticationOptions({
      rpID: this.rpID,
      timeout: CEREMONY_TTL_MS,
      userVerification: userId ? 'preferred' : 'required',
      allowCredentials: allowed.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      })),
    });
    await this.challenges.put(authenticateBinding(binding), {
      challenge: options.challenge,
      userId: userId ?? null,
      expiresAt: Date.now() + CEREMONY_TTL_MS,
    });
    return options;
  }

  /**
   * Verifies the browser's answer to authenticationOptions() with the same binding (and
   * `userId`, for a second factor): the challenge, origin, RP ID, signature, user verification
   * (passwordless) and signature counter. Records the use.
   *
   * @throws PasskeyRefused with a readable reason.
   */
  async authenticate(
    binding: string,
    response: unknown,
    { userId }: { userId?: string } = {},
  ): Promise<PasskeyAuthentication> {
    const pending = await this.takeChallenge(authenticateBinding(binding));
    if (pending.userId !== (userId ?? null)) {
      throw expired();
    }
    const parsed = parseResponse<AuthenticationResponseJSON>(response);
    const passkey = await this.passkeys.findByCredentialId(parsed.id);
    if (!passkey || (userId && passkey.userId !== userId)) {
      throw new PasskeyRefused(
        'This passkey is not registered with Gatehouse (it may have been removed). Sign in with your password, or use another passkey.',
      );
    }
    // A discoverable credential returns its user handle (WebAuthn §7.2 step 6): it must name
    // the passkey's owner.
    const handle = parsed.response.userHandle;
    if (handle && handle !== isoBase64URL.fromBuffer(userHandleOf(passkey.userId))) {
      throw new PasskeyRefused('This passkey belongs to another account.');
    }
    const passwordless = !userId;
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response: parsed,
        expectedChallenge: pending.challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        requireUserVerification: passwordless,
        credential: {
          id: passkey.credentialId,
          publicKey: isoBase64URL.toBuffer(passkey.publicKey),
          counter: passkey.counter,
          transports: passkey.transports as AuthenticatorTransportFuture[],
        },
      });
    } catch (error) {
      throw refusedBy(error);
    }
    if (!verified.verified) {
      throw new PasskeyRefused('The passkey could not be verified. Try again.');
    }
    const info = verified.authenticationInfo;
    const user = await this.users.findById(passkey.userId);
    if (!user || user.disabledAt !== null) {
      throw new PasskeyRefused('This passkey cannot sign in: its account is disabled.');
    }
    const used = await this.passkeys.recordUse(passkey.id, passkey.counter, {
      counter: info.newCounter,
      backedUp: info.credentialBackedUp,
      at: new Date(),
    });
    if (!used) {
      // Another sign-in with this passkey moved its counter meanwhile.
      throw new PasskeyRefused('The passkey could not be verified. Try again.');
    }
    return {
      user,
      passkey: { ...passkey, counter: info.newCounter, lastUsedAt: new Date() },
      userVerified: info.userVerified,
      amr: passkeyAmr(passkey, { userVerified: info.userVerified, passwordless }),
    };
  }

  async rename(user: UserEntity, id: string, name: string, actor: Actor): Promise<Passkey> {
    const label = passkeyName(name);
    const passkey = await this.find(user.id, id);
    await this.passkeys.rename(user.id, id, label);
    await this.audit.record({
      event: 'passkey.renamed',
      outcome: 'success',
      actor,
      details: { passkey: id, name: label, previous_name: passkey.name },
    });
    return { ...passkey, name: label };
  }

  async remove(user: UserEntity, id: string, actor: Actor): Promise<Passkey> {
    const passkey = await this.find(user.id, id);
    if (!(await this.passkeys.delete(user.id, id))) {
      throw new NotFoundError('That passkey does not exist (any more).');
    }
    await this.audit.record({
      event: 'passkey.removed',
      outcome: 'success',
      actor,
      details: { passkey: id, name: passkey.name },
    });
    this.mailer.queue({
      to: user.email,
      kind: 'passkey_removed',
      input: { passkeyName: passkey.name },
    });
    return passkey;
  }

  private async find(userId: string, id: string): Promise<Passkey> {
    const passkey = await this.passkeys.findForUser(userId, id);
    if (!passkey) {
      throw new NotFoundError('That passkey does not exist (any more).');
    }
    return passkey;
  }

  private async takeChallenge(binding: string) {
    const pending = await this.challenges.take(binding);
    if (!pending || pending.expiresAt <= Date.now()) {
      throw expired();
    }
    return pending;
  }
}

/** The WebAuthn user handle (user.id, WebAuthn §14.6.1: no personal data): the account's id. */
function userHandleOf(userId: string) {
  return isoUint8Array.fromUTF8String(userId);
}

function registerBinding(binding: string): string {
  return `register:${binding}`;
}

function authenticateBinding(binding: string): string {
  return `authenticate:${binding}`;
}

function expired(): PasskeyRefused {
  return new PasskeyRefused('This passkey request has expired or was already used. Try again.');
}

/** A passkey's name as typed: trimmed, required, bounded. */
export function passkeyName(name: string): string {
  const label = name.trim().replace(/\s+/g, ' ');
  if (!label) {
    throw new PasskeyRefused('Give the passkey a name, such as the device it is on.');
  }
  if (label.length > MAX_NAME_LENGTH) {
    throw new PasskeyRefused(`A passkey's name can have at most ${MAX_NAME_LENGTH} characters.`);
  }
  return label;
}

const responseShape = z.object({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal('public-key'),
  response: z.record(z.string(), z.unknown()),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional().default({}),
});

/** The browser's JSON answer (`credential` field): its outline checked, the rest the library's. */
function parseResponse<T>(response: unknown): T {
  let value = response;
  if (typeof value === 'string') {
    if (value.length > MAX_RESPONSE_LENGTH) {
      throw new PasskeyRefused('The passkey answer is too large.');
    }
    try {
      value = JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  const parsed = responseShape.safeParse(value);
  if (!parsed.success) {
    throw new PasskeyRefused('The browser sent no usable passkey answer. Try again.');
  }
  return parsed.data as T;
}

/**
 * The library throws for every failed check; its messages are for developers, so the person
 * gets the gist: a wrong site, a counter that went back (a cloned authenticator, WebAuthn
 * §6.1.1), no user verification, or a signature that does not verify.
 */
function refusedBy(error: unknown): PasskeyRefused {
  const message = error instanceof Error ? error.message : '';
  if (/origin|RP ID/i.test(message)) {
    return new PasskeyRefused('This passkey answer was made for another site.');
  }
  if (/counter/i.test(message)) {
    return new PasskeyRefused(
      "This passkey's signature counter went backwards, which happens when an authenticator is cloned. It was not accepted; sign in with your password and check your passkeys.",
    );
  }
  if (/user could not be verified|user verification/i.test(message)) {
    return new PasskeyRefused(
      'Your passkey did not verify you (with a PIN or biometrics), which signing in without a password needs.',
    );
  }
  if (/challenge/i.test(message)) {
    return expired();
  }
  return new PasskeyRefused('The passkey could not be verified. Try again.');
}
