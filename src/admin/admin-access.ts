import { ForbiddenException, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountSession } from '../account/account-session.service.js';
import { CsrfService } from '../common/csrf.service.js';
import type { UserEntity } from '../identity/user.entity.js';

const ADMINS_ONLY = 'Only administrators may use these pages.';

/**
 * Who may use the /admin pages: a signed-in user (the same session as /account) holding the
 * admin role, looked up on every request. Anyone else gets a 403 page.
 */
@Injectable()
export class AdminAccess {
  constructor(
    private readonly session: AccountSession,
    private readonly csrf: CsrfService,
  ) {}

  /** The admin viewing a page; otherwise a sign-in redirect is sent and undefined returned. */
  async forPage(req: FastifyRequest, reply: FastifyReply): Promise<UserEntity | undefined> {
    const user = await this.session.user(req, reply);
    if (!user) {
      this.session.startSignIn(req, reply, req.url);
      return undefined;
    }
    if (!user.isAdmin) {
      throw new ForbiddenException(ADMINS_ONLY);
    }
    return user;
  }

  /** The admin posting a form (CSRF checked first); 401 if signed out, 403 if no admin. */
  async forPost(req: FastifyRequest, reply: FastifyReply): Promise<UserEntity> {
    const user = await this.session.userForPost(req, reply, this.csrf);
    if (!user.isAdmin) {
      throw new ForbiddenException(ADMINS_ONLY);
    }
    return user;
  }
}
