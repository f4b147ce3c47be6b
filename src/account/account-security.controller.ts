import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { UserInputError } from '../common/errors.js';
import { type FormFields, single } from '../common/form-fields.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { UserLifecycle } from '../people/user-lifecycle.service.js';
import { AccountSession } from './account-session.service.js';
import { PageUser, SignedInPage } from './page-access.decorators.js';
import { SecurityPage } from './security-page.js';

/** Longer than any password the policy accepts (256), short enough to hash. */
const MAX_FIELD = 1024;

/**
 * The person's sign-in methods and account: /account/security (passkeys, see
 * AccountPasskeysController), change the password (the current one first; the
 * policy's reason shown; every other session ends) and delete the account (confirmed with the
 * password; everything they held goes, see UserLifecycle.delete).
 */
@Public()
@Controller('account')
export class AccountSecurityController {
  constructor(
    private readonly lifecycle: UserLifecycle,
    private readonly session: AccountSession,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
    private readonly securityPage: SecurityPage,
  ) {}

  @Get('password')
  @SignedInPage()
  passwordForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page(req, reply, 'account-password', {});
  }

  @Post('password')
  @SignedInPage()
  async changePassword(
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const current = field(form, 'current_password');
    const next = field(form, 'new_password');
    try {
      await this.lifecycle.changeOwnPassword(
        user,
        { current, next },
        { id: user.id, ip: req.ip },
        await this.session.sessionKey(req, reply),
      );
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      return this.page(req, reply, 'account-password', { problem: error.message }, 400);
    }
    const notice = 'Your password was changed. Your other sessions were signed out.';
    return this.page(req, reply, 'account-password', { notice });
  }

  @Get('delete')
  @SignedInPage()
  deleteForm(@PageUser() user: UserEntity, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page(req, reply, 'account-delete', { user });
  }

  @Post('delete')
  @SignedInPage()
  async deleteAccount(
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    try {
      await this.lifecycle.deleteOwnAccount(user, field(form, 'password'), {
        id: user.id,
        ip: req.ip,
      });
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      return this.page(req, reply, 'account-delete', { user, problem: error.message }, 400);
    }
    return this.views.send(reply, 'account-deleted', {});
  }

  private page(
    req: FastifyRequest,
    reply: FastifyReply,
    view: string,
    data: Record<string, unknown>,
    status = 200,
  ) {
    return this.views.send(
      reply,
      view,
      { ...data, csrfToken: this.csrf.issue(req, reply) },
      status,
    );
  }
}

/** A password field: refused beyond MAX_FIELD rather than hashed. */
function field(form: FormFields, name: string): string {
  const value = single(form, name) ?? '';
  if (value.length > MAX_FIELD) {
    throw new UserInputError(`That password is too long (at most 256 characters).`);
  }
  return value;
}
