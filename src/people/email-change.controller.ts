import { Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { EmailVerification } from './email-verification.service.js';
import { PeoplePagesFilter } from './people-pages.filter.js';

/** The link sent to a new address, `/email/change/<token>`: a button moves the account there. */
@Public()
@Controller('email/change')
@UseFilters(PeoplePagesFilter)
export class EmailChangeController {
  constructor(
    private readonly verification: EmailVerification,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const link = await this.verification.usable('change_email', token);
    return this.views.send(reply, 'email-confirm', {
      title: 'Confirm your new email address',
      message: 'Use this address for your Gatehouse account from now on:',
      email: link.email,
      button: 'Confirm new address',
      action: `/email/change/${token}`,
      csrfToken: this.csrf.issue(req, reply),
    });
  }

  @Post(':token')
  async confirm(
    @Param('token') token: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    const user = await this.verification.confirmChange(token, { id: 'anonymous', ip: req.ip });
    return this.views.send(reply, 'notice', {
      title: 'Email address changed',
      message: `Your account now uses ${user.email}. Sign in with it from now on.`,
      link: { url: '/account', label: 'Go to your account' },
    });
  }
}
