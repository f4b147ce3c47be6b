import { clientSecretMatches } from '../../clients/client-secret.js';
import type { Engine } from '../engine.js';

/**
 * Client secrets are stored as SHA-256 digests, never in the clear (RFC 6819 §5.1.4.1.3): the
 * engine compares what a client presents with its `client_secret` as it is, so its comparison
 * is replaced with one that hashes the presented secret and compares in constant time (see
 * clients/client-secret.ts). During a rotation's grace period the previous secret works too
 * (the adapter drops `previous_secret_hash` once the period is over).
 */
export function compareHashedClientSecrets(engine: Engine): void {
  engine.Client.prototype.compareClientSecret = function (
    this: { clientSecret?: string; previous_secret_hash?: string },
    actual: string,
  ) {
    return Promise.resolve(
      clientSecretMatches(actual, this.clientSecret) ||
        clientSecretMatches(actual, this.previous_secret_hash),
    );
  };
}
