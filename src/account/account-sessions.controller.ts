import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { NotFoundError } from '../common/errors.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { UserEntity } from '../identity/user.entity.js';
import { accountSignOutUrl } from '../oauth/provider/first-party-clients.js';
import { SessionActivity } from '../people/session-activity.service.js';
import { AccountSession } from './account-session.service.js';
import { PageUser, SignedInPage } from './page-access.decorators.js';

/** The notices the list may show after an action, by a fixed name (never text from the URL). */
const NOTICES: Record<string, string> = {
  one: 'That session was signed out.',
  others: 'Your other sessions were signed out.',
};

/**
 * /account/sessions: where the person is signed in (browser, address, started, last seen),
 * with "Sign out" for each other session and "Sign out of all other sessions".
 */
@Public()
@Controller('account/sessions')
export class AccountSessionsController {
  constructor(
    private readonly activity: SessionActivity,
    private readonly session: AccountSession,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @SignedInPage()
  async list(
    @Query('signed_out') signedOut: unknown,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const current = await this.session.sessionKey(req, reply);
    return this.views.send(reply, 'account-sessions', {
      sessions: await this.activity.list(user.id, current),
      notice: typeof signedOut === 'string' ? NOTICES[signedOut] : undefined,
      signOutUrl: accountSignOutUrl(this.config.issuer),
      csrfToken: this.csrf.issue(req, reply),
    });
  }

  @Post('sign-out-others')
  @SignedInPage()
  async signOutOthers(
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.activity.signOutOthers(user.id, await this.session.sessionKey(req, reply));
    return this.back(reply, 'others');
  }

  @Post(':key/sign-out')
  @SignedInPage()
  async signOut(
    @Param('key') key: string,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    // This browser's own session ends through the sign-out link (it also tells the apps).
    if (key === (await this.session.sessionKey(req, reply))) {
      return reply.code(303).redirect(accountSignOutUrl(this.config.issuer));
    }
    if (!(await this.activity.signOut(user.id, key))) {
      throw new NotFoundError('You have no such session; it may have ended already.');
    }
    return this.back(reply, 'one');
  }

  private back(reply: FastifyReply, notice: string) {
    return reply
      .code(303)
      .header('Cache-Control', 'no-store')
      .redirect(`/account/sessions?signed_out=${notice}`);
  }
}
