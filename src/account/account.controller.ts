import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { type FormFields, single } from '../common/form-fields.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { UserEntity } from '../identity/user.entity.js';
import { ClientsService } from '../oauth/clients/clients.service.js';
import { accountSignOutUrl } from '../oauth/provider/first-party-clients.js';
import { AccountSession, SignInFailed } from './account-session.service.js';
import { ConnectedApps } from './connected-apps.service.js';
import { PageUser, SignedInPage } from './page-access.decorators.js';

/**
 * The signed-in user's own pages: their profile and the applications they allowed, with
 * "Revoke access" and single-scope removal. Server-rendered, no script; every form carries a
 * CSRF token; a visitor who is not signed in is sent through the login page first
 * (`@SignedInPage()`). `@Public()`: the sign-in routes need no session, and no page takes
 * bearer tokens.
 */
@Public()
@Controller('account')
export class AccountController {
  constructor(
    private readonly session: AccountSession,
    private readonly apps: ConnectedApps,
    private readonly clients: ClientsService,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @SignedInPage()
  profile(@PageUser() user: UserEntity, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page(reply, 'account', {
      user,
      signOutUrl: accountSignOutUrl(this.config.issuer),
      csrfToken: this.csrf.issue(req, reply),
    });
  }

  @Get('sign-in')
  signIn(
    @Query('return_to') returnTo: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.session.startSignIn(
      req,
      reply,
      typeof returnTo === 'string' ? returnTo : '/account',
    );
  }

  @Get('callback')
  async callback(
    @Query() query: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    try {
      const next = await this.session.finishSignIn(req, reply, query);
      return reply.code(HttpStatus.SEE_OTHER).header('Cache-Control', 'no-store').redirect(next);
    } catch (error) {
      if (!(error instanceof SignInFailed)) {
        throw error;
      }
      return this.page(
        reply,
        'error',
        {
          title: 'Sign-in not completed',
          message: `${error.message} Start again from your account page.`,
          links: [{ url: '/account', label: 'Start again' }],
        },
        HttpStatus.BAD_REQUEST,
      );
    }
  }

  @Get('signed-out')
  signedOut(@Res() reply: FastifyReply) {
    return this.page(reply, 'account-signed-out', {});
  }

  @Get('apps')
  @SignedInPage()
  async list(
    @Query('revoked') revoked: unknown,
    @Query('removed') removed: unknown,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.page(reply, 'account-apps', {
      apps: await this.apps.list(user.id),
      notice: await this.notice(revoked, removed),
      csrfToken: this.csrf.issue(req, reply),
    });
  }

  @Post('apps/:clientId/revoke')
  @SignedInPage()
  async revoke(
    @Param('clientId') clientId: string,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.apps.revoke(user.id, clientId, { id: user.id, ip: req.ip });
    return this.backToApps(reply, `revoked=${encodeURIComponent(clientId)}`);
  }

  @Post('apps/:clientId/scopes/remove')
  @SignedInPage()
  async removeScope(
    @Param('clientId') clientId: string,
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const scope = single(form, 'scope') ?? '';
    await this.apps.removeScope(user.id, clientId, scope, { id: user.id, ip: req.ip });
    return this.backToApps(reply, `removed=${encodeURIComponent(`${clientId} ${scope}`)}`);
  }

  /**
   * What the list page says after an action. Built from ids the page looks up, never from text
   * in the URL, so a crafted link cannot make Gatehouse display words of its choosing.
   */
  private async notice(revoked: unknown, removed: unknown): Promise<string | undefined> {
    if (typeof revoked === 'string') {
      const client = await this.clients.find(revoked);
      return client ? `${client.name} can no longer use your account.` : undefined;
    }
    if (typeof removed === 'string') {
      const [clientId, scope] = removed.split(' ');
      const client = clientId ? await this.clients.find(clientId) : null;
      return client && scope && /^[a-z_.]+$/.test(scope)
        ? `${client.name} no longer has ${scope}.`
        : undefined;
    }
    return undefined;
  }

  private backToApps(reply: FastifyReply, query: string) {
    return reply.code(HttpStatus.SEE_OTHER).redirect(`/account/apps?${query}`);
  }

  private page(reply: FastifyReply, view: string, data: Record<string, unknown>, status = 200) {
    return this.views.send(reply, view, data, status);
  }
}
