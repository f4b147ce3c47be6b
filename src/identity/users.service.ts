import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Not, type Repository } from 'typeorm';
import { z } from 'zod';
import { ConflictError, NotFoundError, UserInputError } from '../common/errors.js';
import { PasswordHasher } from './password-hasher.js';
import { PASSWORD_MAX_LENGTH, passwordProblem } from './password-policy.js';
import { UserEntity } from './user.entity.js';
import { isUniqueViolation } from '../database/unique-violation.js';

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  admin?: boolean;
  /** The person proved the address already (an accepted invitation): email_verified is true. */
  emailVerified?: boolean;
}

const newUserSchema = z.object({
  email: z.email('email must be a valid address').max(320),
  // NIST SP 800-63B §5.1.1.2: at least 8 characters; a generous cap keeps hashing bounded.
  // What else a password must not be (common, guessable) is password-policy.ts's to say.
  password: z
    .string()
    .min(8, 'password must be at least 8 characters')
    .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`),
  name: z.string().trim().min(1).max(200).optional(),
  admin: z.boolean().optional(),
});

export interface UserListQuery {
  /** Part of the email or the name, any case. */
  search?: string;
  limit: number;
  /** Continue a listing: the `next` cursor of the previous page. */
  after?: string;
}

export interface UserPage {
  users: UserEntity[];
  /** Present when there are more users (by email). */
  next?: string;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
  ) {}

  async create(input: NewUser): Promise<UserEntity> {
    const parsed = newUserSchema.safeParse({ ...input, email: normalizeEmail(input.email) });
    if (!parsed.success) {
      throw new UserInputError(parsed.error.issues.map((issue) => issue.message).join('; '));
    }
    const { email, password, name, admin } = parsed.data;
    const weak = await passwordProblem(password, [email, name]);
    if (weak) {
      throw new UserInputError(`password: ${weak}`);
    }
    if (await this.users.existsBy({ email })) {
      throw new ConflictError(`a user with email ${email} already exists`);
    }
    const user = this.users.create({
      id: randomUUID(),
      email,
      name: name ?? null,
      isAdmin: admin ?? false,
      passwordHash: await this.hasher.hash(password),
      emailVerifiedAt: input.emailVerified ? Date.now() : null,
    });
    try {
      return await this.users.save(user);
    } catch (error) {
      // Another request created the same address between the check above and this insert.
      if (isUniqueViolation(error)) {
        throw new ConflictError(`a user with email ${email} already exists`);
      }
      throw error;
    }
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  /**
   * Gives the user a new password, checked by the password policy.
   * @throws UserInputError saying why the password is refused
   */
  async setPassword(id: string, password: string): Promise<void> {
    const user = await this.findById(id);
    if (!user) {
      throw new NotFoundError(`no user with id ${id}`);
    }
    const weak = await passwordProblem(password, [user.email, user.name]);
    if (weak) {
      throw new UserInputError(weak);
    }
    await this.users.update({ id }, { passwordHash: await this.hasher.hash(password) });
  }

  /** By email, `limit` at a time; `search` matches part of the email or the name, any case. */
  async list(query: UserListQuery): Promise<UserPage> {
    const after =
      query.after === undefined ? undefined : Buffer.from(query.after, 'base64url').toString();
    if (after !== undefined && !after.includes('@')) {
      throw new UserInputError('the page cursor is not valid; start again from the first page');
    }
    const select = this.users.createQueryBuilder('u');
    if (query.search) {
      // LIKE wildcards typed by the admin are searched for, not interpreted.
      const pattern = `%${query.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      select.andWhere(
        "(u.email LIKE :pattern ESCAPE '\\' OR LOWER(u.name) LIKE :pattern ESCAPE '\\')",
        {
          pattern,
        },
      );
    }
    if (after !== undefined) {
      select.andWhere('u.email > :after', { after });
    }
    const rows = await select
      .orderBy('u.email', 'ASC')
      .take(query.limit + 1)
      .getMany();
    const users = rows.slice(0, query.limit);
    const last = users.at(-1);
    return rows.length > query.limit && last
      ? { users, next: Buffer.from(last.email).toString('base64url') }
      : { users };
  }

  /** Administrators who can still sign in: the ones who could manage the others. */
  countActiveAdmins(): Promise<number> {
    return this.users.countBy({ isAdmin: true, disabledAt: IsNull() });
  }

  async setAdmin(id: string, admin: boolean): Promise<void> {
    await this.users.update({ id }, { isAdmin: admin });
  }

  /** `at`: when the user was disabled (epoch ms), or null to enable them again. */
  async setDisabled(id: string, at: number | null): Promise<void> {
    await this.users.update({ id }, { disabledAt: at });
  }

  async rename(id: string, name: string | null): Promise<void> {
    await this.users.update({ id }, { name });
  }

  /** Deletes the user; their Drive files, personal tokens and email links cascade. */
  async delete(id: string): Promise<boolean> {
    const result = await this.users.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** The person confirmed their address by an emailed link. */
  async markEmailVerified(id: string, at = Date.now()): Promise<void> {
    await this.users.update({ id, emailVerifiedAt: IsNull() }, { emailVerifiedAt: at });
  }

  /**
   * Moves the user to a new address, which they just confirmed (so it counts as verified).
   * @throws ConflictError when another user has it
   */
  async changeEmail(id: string, email: string, at = Date.now()): Promise<void> {
    const normalized = normalizeEmail(email);
    if (await this.users.existsBy({ email: normalized, id: Not(id) })) {
      throw new ConflictError(`a user with email ${normalized} already exists`);
    }
    await this.users.update({ id }, { email: normalized, emailVerifiedAt: at });
  }

  /** Records a successful sign-in (shown to administrators). */
  async recordSignIn(id: string, at = Date.now()): Promise<void> {
    await this.users.update({ id }, { lastSignInAt: at });
  }

  /**
   * The user whose email and password match, or null. Takes as long for an unknown email as
   * for a wrong password.
   */
  async authenticate(email: string, password: string): Promise<UserEntity | null> {
    const user = await this.users.findOneBy({ email: normalizeEmail(email) });
    const ok = await this.hasher.verifyOrWaste(user?.passwordHash, password);
    // A disabled user's password still checks out, but it signs nobody in.
    return ok && user && user.disabledAt === null ? user : null;
  }
}
