import { Controller, HttpStatus, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../oauth/provider/engine.js';
import { CsrfService, interactionPurpose } from '../common/csrf.service.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { UsersService } from '../identity/users.service.js';
import { InteractionExpired, loadInteraction } from '../oauth/interactions/interaction-details.js';
import { sendVerifyRequired, waitsForEmail } from '../oauth/interactions/verify-required-page.js';
import { OIDC_PROVIDER } from '../oauth/provider/oidc-provider.token.js';
import { EmailVerification } from './email-verification.service.js';
import { PeoplePagesFilter } from './people-pages.filter.js';

/**
 * "Resend email" on the "Confirm your email address" page that stops an authorization. Under
 * the interaction's path, where its cookie is sent, and bound to it by the CSRF token.
 */
@Public()
@Controller('interaction/:uid')
@UseFilters(PeoplePagesFilter)
export class VerificationInteractionController {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Engine,
    private readonly users: UsersService,
    private readonly verification: EmailVerification,
    readonly views: ViewsService,
    readonly csrf: CsrfService,
  ) {}

  @Post('resend-verification')
  async resend(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    this.csrf.verify(req, reply, interactionPurpose(uid));
    const interaction = await loadInteraction(this.provider, uid, req, reply, 'consent');
    const user = await this.users.findById(interaction.session!.accountId);
    if (!user || !waitsForEmail(interaction)) {
      throw new InteractionExpired();
    }
    if (user.emailVerifiedAt === null) {
      await this.verification.sendVerification(user, { id: user.id, ip: req.ip });
    }
    return sendVerifyRequired(this, interaction, user.email, req, reply, HttpStatus.OK, {
      notice: `We sent a new link to ${user.email}. Links sent before no longer work.`,
    });
  }
}
