import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { accountSignOutUrl } from '../oauth/provider/first-party-clients.js';
import { AccountSession } from './account-session.service.js';

/**
 * The home page at `/`: signed out, the product's name and "Sign in"; signed in, the account
 * pages (and the administration pages for administrators). It reads the same browser session
 * as the account pages, but never sends anyone through the login page by itself.
 */
@Public()
@Controller()
export class HomeController {
  constructor(
    private readonly session: AccountSession,
    private readonly views: ViewsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async home(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.session.user(req, reply);
    return this.views.send(reply, 'home', {
      user: user && user.disabledAt === null ? user : undefined,
      signOutUrl: accountSignOutUrl(this.config.issuer),
      signupOpen: this.config.signup === 'open',
    });
  }
}
