/**
 * DPoP proofs at the resource server (RFC 9449 §4.3, §7.1): a request with a DPoP-bound access
 * token must carry a fresh proof, signed by the key the token is bound to, for this very request
 * and this very token. Pure apart from the replay memory it is given.
 */
import { sha256Base64url } from '../../common/sha256.js';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';

/** The proof algorithms accepted (asymmetric only); also sent as `algs` in challenges. */
export const DPOP_ALGORITHMS = ['ES256', 'PS256', 'RS256', 'EdDSA'];

/** How old (or early) a proof's `iat` may be: proofs are made for one request, right before it. */
const MAX_AGE_SECONDS = 60;
const MAX_PROOF_LENGTH = 8192;

export class InvalidDpopProof extends Error {
  override readonly name = 'InvalidDpopProof';
}

export interface DpopRequest {
  /** The DPoP header values (exactly one is allowed). */
  proofs: string[];
  method: string;
  /** The request's URL as the client addressed it, without query and fragment (§4.3 `htu`). */
  url: string;
  accessToken: string;
  /** The thumbprint the token is bound to (`cnf.jkt`). */
  jkt: string;
}

/** Remembers proof ids for as long as a proof could be accepted, to refuse replays. */
export interface ReplayMemory {
  /** False when `jti` was seen before (and remembers it otherwise). */
  firstUse(jti: string, ttlMs: number): boolean | Promise<boolean>;
}

export async function verifyDpopProof(request: DpopRequest, replays: ReplayMemory): Promise<void> {
  if (request.proofs.length !== 1) {
    throw new InvalidDpopProof(
      request.proofs.length === 0 ? 'A DPoP proof is required' : 'Send exactly one DPoP proof',
    );
  }
  const [proof] = request.proofs;
  if (proof.length > MAX_PROOF_LENGTH) {
    throw new InvalidDpopProof('The DPoP proof is too long');
  }
  let payload;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: DPOP_ALGORITHMS,
      maxTokenAge: MAX_AGE_SECONDS,
      clockTolerance: MAX_AGE_SECONDS,
      requiredClaims: ['iat', 'jti', 'htm', 'htu', 'ath'],
    });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as JWK;
  } catch (cause) {
    throw new InvalidDpopProof('The DPoP proof is invalid', { cause });
  }
  if (payload.htm !== request.method.toUpperCase()) {
    throw new InvalidDpopProof('The DPoP proof is for another method');
  }
  if (typeof payload.htu !== 'string' || stripped(payload.htu) !== stripped(request.url)) {
    throw new InvalidDpopProof('The DPoP proof is for another URL');
  }
  const ath = sha256Base64url(request.accessToken);
  if (payload.ath !== ath) {
    throw new InvalidDpopProof('The DPoP proof is for another access token');
  }
  if ((await calculateJwkThumbprint(jwk)) !== request.jkt) {
    throw new InvalidDpopProof(
      'The DPoP proof is signed with another key than the token is bound to',
    );
  }
  if (
    typeof payload.jti !== 'string' ||
    !(await replays.firstUse(`${request.jkt}:${payload.jti}`, 2 * MAX_AGE_SECONDS * 1000))
  ) {
    throw new InvalidDpopProof('The DPoP proof was used before');
  }
}

/** §4.3: compare `htu` without query and fragment (and URL-normalised). */
function stripped(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '';
  }
}
