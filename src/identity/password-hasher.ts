import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/**
 * argon2id with the library's defaults (m=64 MiB, t=3, p=4), above OWASP's minimum.
 * `verifyOrWaste` spends the same time on a missing account as on a wrong password, so the
 * sign-in page's timing does not reveal which emails exist.
 */
@Injectable()
export class PasswordHasher {
  private readonly decoy = argon2.hash(randomBytes(32).toString('base64url'), {
    type: argon2.argon2id,
  });

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
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
