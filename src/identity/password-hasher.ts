import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/**
 * OWASP's recommended argon2id parameters (Password Storage cheat sheet): costly for an
 * attacker offline, yet cheap enough that sign-in attempts cannot exhaust the server's memory
 * and CPU. Hashes record their parameters, so raising them later only affects new hashes.
 */
const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Hashes and verifies passwords. `verifyOrWaste` spends the same time on a missing account as
 * on a wrong password, so the sign-in page's timing does not reveal which emails exist.
 */
@Injectable()
export class PasswordHasher {
  private readonly decoy = this.hash(randomBytes(32).toString('base64url'));

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verifyOrWaste(hash: string | undefined, password: string): Promise<boolean> {
    try {
      const ok = await argon2.verify(hash ?? (await this.decoy), password);
      return hash !== undefined && ok;
    } catch {
      return false;
    }
  }
}
