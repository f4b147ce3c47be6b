import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { ACCOUNT_LINK, pageError } from '../common/error-pages.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { accountSignOutUrl } from '../oauth/provider/first-party-clients.js';
import type { UserEntity } from '../identity/user.entity.js';
import { AccountSession } from './account-session.service.js';
import { SignInRequired } from './sign-in-required.js';

export const PAGE_ACCESS = 'gatehouse:page-access';

/** Who may use a page, as `@SignedInPage()` and `@AdminPage()` declare it. */
export interface PageAccess {
  /** Only users holding the admin role; other signed-in users get a 403 page. */
  adminOnly: boolean;
  /** Whether a sign-in comes back to the page with its query, or to its bare path. */
  returnWithQuery: boolean;
}

/** A page request once the guard has let it through: `@PageUser()` reads the user from here. */
export type PageRequest = FastifyRequest & { pageUser?: UserEntity };

const ADMINS_ONLY = 'Only administrators may use these pages.';
const SIGNED_OUT = 'You are signed out. Sign in again and repeat the action.';

/**
 * Resolves the browser session of a page once (the sign-in shared with applications, see
 * AccountSession) and decides what a request without the right one gets:
 * - reading a page (GET, HEAD) signed out: a trip through the login page and back;
 * - posting a form: the CSRF token is checked first, then the session. A post cannot be
 *   resumed after a sign-in, so a session that ended meanwhile is a readable 401 page and
 *   nothing changes;
 * - an admin page, signed in without the admin role: a 403 page. The role is looked up on every
 *   request, so taking it away takes effect at once.
 */
@Injectable()
export class PageSessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly session: AccountSession,
    private readonly csrf: CsrfService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<PageAccess>(PAGE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    const http = context.switchToHttp();
    const request = http.getRequest<PageRequest>();
    const reply = http.getResponse<FastifyReply>();
    const reading = request.method === 'GET' || request.method === 'HEAD';
    if (!reading) {
      this.csrf.verify(request, reply);
    }
    const user = await this.session.user(request, reply);
    if (!user) {
      if (!reading) {
        throw new UnauthorizedException(SIGNED_OUT);
      }
      throw new SignInRequired(access.returnWithQuery ? request.url : request.url.split('?')[0]);
    }
    if (access.adminOnly && !user.isAdmin) {
      throw new ForbiddenException(
        pageError({
          title: 'Access denied',
          message: `${ADMINS_ONLY} You are signed in as ${user.email}.`,
          links: [
            ACCOUNT_LINK,
            { url: accountSignOutUrl(this.config.issuer), label: 'Switch account (sign out)' },
          ],
        }),
      );
    }
    request.pageUser = user;
    return true;
  }
}
