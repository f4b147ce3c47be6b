import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { z } from 'zod';
import { ConflictError, UserInputError } from '../common/errors.js';
import { PasswordHasher } from './password-hasher.js';
import { UserEntity } from './user.entity.js';

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  admin?: boolean;
}

const newUserSchema = z.object({
  email: z.email('email must be a valid address').max(320),
  // NIST SP 800-63B §5.1.1.2: at least 8 characters; a generous cap keeps hashing bounded.
  password: z
    .string()
    .min(8, 'password must be at least 8 characters')
    .max(1024, 'password must be at most 1024 characters'),
  name: z.string().trim().min(1).max(200).optional(),
  admin: z.boolean().optional(),
});

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
    if (await this.users.existsBy({ email })) {
      throw new ConflictError(`a user with email ${email} already exists`);
    }
    const user = this.users.create({
      id: randomUUID(),
      email,
      name: name ?? null,
      isAdmin: admin ?? false,
      passwordHash: await this.hasher.hash(password),
    });
    return this.users.save(user);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * The user whose email and password match, or null. Takes as long for an unknown email as
   * for a wrong password.
   */
  async authenticate(email: string, password: string): Promise<UserEntity | null> {
    const user = await this.users.findOneBy({ email: normalizeEmail(email) });
    const ok = await this.hasher.verifyOrWaste(user?.passwordHash, password);
    return ok ? user : null;
  }
}
