import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UsersService } from '../identity/users.service.js';
import type { AccessTokenContext } from '../tokens/access-token-context.js';

/**
 * The admin API acts for an administrator: after the global guard has checked the token and
 * its `admin` scope, the user it was issued for must still hold the admin role (looked up on
 * every request, so taking the role away, or disabling the user, takes effect at once).
 */
@Injectable()
export class AdminUserGuard implements CanActivate {
  constructor(private readonly users: UsersService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const token = context
      .switchToHttp()
      .getRequest<FastifyRequest & { accessToken?: AccessTokenContext }>().accessToken;
    const user = token?.userPresent ? await this.users.findById(token.subject) : null;
    // A disabled administrator's tokens are revoked already; this holds even in between.
    if (!user?.isAdmin || user.disabledAt !== null) {
      throw new ForbiddenException('Only administrators may use the admin API');
    }
    return true;
  }
}
