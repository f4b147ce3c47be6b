import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

interface Credential {
  id: Buffer;
  key: KeyObject;
  userHandle: string;
  rpId: string;
  counter: number;
}

/** What a test may bend about one answer, to see the server refuse it. */
export interface AnswerOptions {
  /** The origin the "browser" reports in clientDataJSON (default: the authenticator's). */
  origin?: string;
  /** Whether the authenticator says it verified the user (UV flag; default true). */
  userVerified?: boolean;
  /** The signature counter to report instead of the next one. */
  counter?: number;
  /** The credential to answer with (default: the only/first one the options allow). */
  credentialId?: string;
}

const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

/**
 * A software WebAuthn authenticator plus the browser's part (clientDataJSON), enough to answer
 * Gatehouse's options in e2e tests without a browser: ES256 keys, attestation "none",
 * discoverable credentials, a signature counter that counts up by one per use (or stays 0
 * with `counts: false`, as many platform authenticators do). Ceremonies as the browser runs
 * them are covered by the browser tests with Chromium's virtual authenticator.
 */
export class SoftAuthenticator {
  readonly credentials: Credential[] = [];

  constructor(
    private readonly origin: string,
    private readonly settings: { counts?: boolean; synced?: boolean } = {},
  ) {}

  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    answer: AnswerOptions = {},
  ): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const credential: Credential = {
      id: randomBytes(32),
      key: privateKey,
      userHandle: options.user.id,
      rpId: options.rp.id!,
      counter: 0,
    };
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      this.authDataHead(credential, AT | this.flags(answer)),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credential.id,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    this.credentials.push(credential);
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, answer),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: {},
    };
  }

  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    answer: AnswerOptions = {},
  ): AuthenticationResponseJSON {
    const allowed = options.allowCredentials?.map((c) => c.id) ?? [];
    const credential = this.credentials.find((c) =>
      answer.credentialId
        ? c.id.toString('base64url') === answer.credentialId
        : allowed.length === 0 || allowed.includes(c.id.toString('base64url')),
    );
    if (!credential) {
      throw new Error('the soft authenticator holds no credential these options allow');
    }
    const authData = this.authDataHead(credential, this.flags(answer), answer.counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, answer);
    const signature = sign(
      'sha256',
      Buffer.concat([
        authData,
        createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest(),
      ]),
      credential.key,
    );
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
    };
  }

  private flags(answer: AnswerOptions): number {
    const synced = this.settings.synced ? BE | BS : 0;
    return UP | (answer.userVerified === false ? 0 : UV) | synced;
  }

  private authDataHead(credential: Credential, flags: number, counter?: number): Buffer {
    if (counter !== undefined) {
      credential.counter = counter;
    } else if (this.settings.counts !== false) {
      credential.counter += 1;
    }
    const count = Buffer.alloc(4);
    count.writeUInt32BE(credential.counter);
    return Buffer.concat([
      createHash('sha256').update(credential.rpId).digest(),
      Buffer.from([flags]),
      count,
    ]);
  }

  private clientData(type: string, challenge: string, answer: AnswerOptions): string {
    return Buffer.from(
      JSON.stringify({ type, challenge, origin: answer.origin ?? this.origin, crossOrigin: false }),
    ).toString('base64url');
  }
}
