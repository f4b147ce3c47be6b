/**
 * What Gatehouse emails people, as data: each message names the product, gives one clear link
 * (or none, for a notice), says why the person got it and what to do if it was not them. The
 * templates under views/mail/ turn it into plain text and HTML.
 */
export type MessageKind =
  | 'verify_email'
  | 'signup_existing'
  | 'reset_password'
  | 'password_changed'
  | 'invitation'
  | 'change_email'
  | 'email_changed'
  | 'second_factor_added'
  | 'second_factor_removed'
  | 'second_factors_reset'
  | 'recovery_code_used'
  | 'passkey_added'
  | 'passkey_removed';

export interface MessageInput {
  /** The link the message is about (absent for notices). */
  link?: string;
  /** How long the link works, in words ("24 hours"). */
  validFor?: string;
  /** For an email change: the new address. */
  newEmail?: string;
  /** For second-factor notices: what was added or removed ("an authenticator app"). */
  factor?: string;
  /** For a used recovery code: how many are left. */
  remaining?: number;
  /** For a passkey notice: the passkey's name. */
  passkeyName?: string;
  /** The Gatehouse sign-in address, for notices. */
  issuer: string;
}

export interface ComposedMessage {
  subject: string;
  /** What happened and what to do, one paragraph each. */
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Why this person got this message. */
  why: string;
  /** What to do if it was not them. */
  notYou: string;
}

export const PRODUCT = 'Gatehouse';

export function composeMessage(kind: MessageKind, input: MessageInput): ComposedMessage {
  const link = (label: string) => {
    if (!input.link) {
      throw new Error(`a ${kind} message needs a link`);
    }
    return { label, url: input.link };
  };
  const expires = input.validFor ? `The link works once, for ${input.validFor}.` : '';
  switch (kind) {
    case 'verify_email':
      return {
        subject: `Confirm your email address for ${PRODUCT}`,
        paragraphs: [
          `Confirm that this is your email address to finish setting up your ${PRODUCT} account.`,
          expires,
        ],
        action: link('Confirm email address'),
        why: `You got this email because someone created a ${PRODUCT} account, or asked for a new confirmation link, with this address.`,
        notYou: 'If it was not you, ignore this email: the account stays unconfirmed.',
      };
    case 'signup_existing':
      return {
        subject: `Someone tried to create a ${PRODUCT} account with your address`,
        paragraphs: [
          `A ${PRODUCT} account already exists for this address, so no new account was created.`,
          'If you forgot your password, you can set a new one:',
        ],
        action: link('Reset your password'),
        why: `You got this email because someone tried to sign up for ${PRODUCT} with this address.`,
        notYou: 'If it was not you, ignore this email: nothing has changed.',
      };
    case 'reset_password':
      return {
        subject: `Reset your ${PRODUCT} password`,
        paragraphs: ['Choose a new password for your account.', expires],
        action: link('Choose a new password'),
        why: `You got this email because someone asked to reset the password of the ${PRODUCT} account for this address.`,
        notYou:
          'If it was not you, ignore this email: your password stays as it is and no one can use this link without access to your email.',
      };
    case 'password_changed':
      return {
        subject: `Your ${PRODUCT} password was changed`,
        paragraphs: [
          'The password of your account was just changed with a reset link. You were signed out everywhere and applications must be signed in to again.',
          `Sign in at ${input.issuer}/account.`,
        ],
        why: `You got this email because the password of the ${PRODUCT} account for this address changed.`,
        notYou: `If it was not you, reset your password at once at ${input.issuer}/password/forgot and tell your administrator.`,
      };
    case 'invitation':
      return {
        subject: `You are invited to ${PRODUCT}`,
        paragraphs: [
          `You have been invited to create a ${PRODUCT} account for this address: choose your name and a password.`,
          expires,
        ],
        action: link('Accept invitation'),
        why: `You got this email because an administrator of ${input.issuer} invited this address.`,
        notYou: 'If you were not expecting it, ignore this email: no account is created.',
      };
    case 'change_email':
      return {
        subject: `Confirm your new email address for ${PRODUCT}`,
        paragraphs: [
          `Confirm that you want to use this address for your ${PRODUCT} account from now on.`,
          expires,
        ],
        action: link('Confirm new address'),
        why: `You got this email because someone asked to move a ${PRODUCT} account to this address.`,
        notYou: 'If it was not you, ignore this email: no account will use this address.',
      };
    case 'email_changed':
      return {
        subject: `Your ${PRODUCT} email address was changed`,
        paragraphs: [
          `Your account now uses ${input.newEmail ?? 'another address'}; mail about it goes there from now on.`,
        ],
        why: `You got this email because this address was the one of a ${PRODUCT} account until now.`,
        notYou: `If it was not you, reset your password at ${input.issuer}/password/forgot with the new address, or tell your administrator at once.`,
      };
    case 'second_factor_added':
      return {
        subject: `A second factor was added to your ${PRODUCT} account`,
        paragraphs: [
          `${capitalized(input.factor ?? 'a second factor')} was just set up for your account. Signing in now asks for it after your password.`,
          `See your second factors at ${input.issuer}/account/security.`,
        ],
        why: `You got this email because the second factors of the ${PRODUCT} account for this address changed.`,
        notYou: `If it was not you, someone knows your password: reset it at once at ${input.issuer}/password/forgot and tell your administrator.`,
      };
    case 'second_factor_removed':
      return {
        subject: `A second factor was removed from your ${PRODUCT} account`,
        paragraphs: [
          `${capitalized(input.factor ?? 'a second factor')} was just removed from your account.`,
          `See your second factors at ${input.issuer}/account/security.`,
        ],
        why: `You got this email because the second factors of the ${PRODUCT} account for this address changed.`,
        notYou: `If it was not you, reset your password at once at ${input.issuer}/password/forgot, set up your second factor again and tell your administrator.`,
      };
    case 'second_factors_reset':
      return {
        subject: `The second factors of your ${PRODUCT} account were reset`,
        paragraphs: [
          'An administrator removed your authenticator app, passkeys and recovery codes: you sign in with your password alone until you set one up again.',
          `Set up a second factor again at ${input.issuer}/account/security.`,
        ],
        why: `You got this email because an administrator of ${input.issuer} reset the second factors of the account for this address.`,
        notYou: 'If you did not ask for it, tell your administrator at once.',
      };
    case 'recovery_code_used':
      return {
        subject: `A recovery code was used to sign in to your ${PRODUCT} account`,
        paragraphs: [
          `Someone signed in to your account with one of your recovery codes. ${
            input.remaining === 1
              ? 'You have 1 recovery code left.'
              : `You have ${input.remaining ?? 0} recovery codes left.`
          }`,
          `If you lost your authenticator app, set up a new one and make new recovery codes at ${input.issuer}/account/security.`,
        ],
        why: `You got this email because a recovery code of the ${PRODUCT} account for this address was used.`,
        notYou: `If it was not you, someone has your password and a recovery code: reset your password at once at ${input.issuer}/password/forgot, make new recovery codes and tell your administrator.`,
      };
    case 'passkey_added':
      return {
        subject: `A passkey was added to your ${PRODUCT} account`,
        paragraphs: [
          `The passkey "${input.passkeyName ?? 'unnamed'}" can now sign in to your account without a password.`,
          `See your passkeys at ${input.issuer}/account/security.`,
        ],
        why: `You got this email because a passkey was added to the ${PRODUCT} account for this address.`,
        notYou: `If it was not you, remove the passkey at ${input.issuer}/account/security, change your password and tell your administrator at once.`,
      };
    case 'passkey_removed':
      return {
        subject: `A passkey was removed from your ${PRODUCT} account`,
        paragraphs: [
          `The passkey "${input.passkeyName ?? 'unnamed'}" can no longer sign in to your account.`,
        ],
        why: `You got this email because a passkey was removed from the ${PRODUCT} account for this address.`,
        notYou: `If it was not you, change your password at ${input.issuer}/account/password and tell your administrator at once.`,
      };
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
