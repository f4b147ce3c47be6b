import { Body, Controller, Get, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { UserInputError } from '../common/errors.js';
import { ViewsService } from '../common/views.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { describeScope } from '../oauth/scopes.js';
import { PageUser, SignedInPage } from './page-access.decorators.js';
import { PersonalAccessTokens, TOKEN_LIFETIMES_DAYS } from './personal-access-tokens.service.js';

interface TokenForm {
  name?: unknown;
  scope?: unknown;
  days?: unknown;
}

/**
 * /account/tokens: the signed-in user's personal access tokens (list, create, revoke), signed
 * in and protected like the other account pages (`@SignedInPage()`). A new token is shown on
 * the page that created it, and never again.
 */
@SignedInPage()
@Controller('account/tokens')
export class PersonalAccessTokensController {
  constructor(
    private readonly personalTokens: PersonalAccessTokens,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  @Get()
  tokens(@PageUser() user: UserEntity, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.tokensPage(req, reply, user, {});
  }

  @Post()
  async createToken(
    @Body() form: TokenForm,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const scopes = [form?.scope]
      .flat()
      .filter((scope): scope is string => typeof scope === 'string');
    const values = {
      name: typeof form?.name === 'string' ? form.name : '',
      scopes,
      days: typeof form?.days === 'string' ? Number(form.days) : 30,
    };
    try {
      const created = await this.personalTokens.create(user, values, { id: user.id, ip: req.ip });
      return this.tokensPage(req, reply, user, { created }, HttpStatus.CREATED);
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      return this.tokensPage(
        req,
        reply,
        user,
        { values, problems: error.message.split('\n') },
        400,
      );
    }
  }

  @Post(':id/revoke')
  async revokeToken(
    @Param('id') id: string,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.personalTokens.revoke(user.id, id, { id: user.id, ip: req.ip });
    return this.tokensPage(req, reply, user, {
      notice: 'The token was revoked; it no longer works.',
    });
  }

  private async tokensPage(
    req: FastifyRequest,
    reply: FastifyReply,
    user: UserEntity,
    extra: {
      created?: string;
      notice?: string;
      problems?: string[];
      values?: { name: string; scopes: string[]; days: number };
    },
    status = 200,
  ) {
    return this.views.send(
      reply,
      'account-tokens',
      {
        tokens: await this.personalTokens.list(user.id),
        scopes: this.personalTokens
          .scopesFor(user)
          .map((name) => ({ name, description: describeScope(name) })),
        lifetimes: TOKEN_LIFETIMES_DAYS,
        values: extra.values ?? { name: '', scopes: [], days: 30 },
        problems: extra.problems ?? [],
        created: extra.created,
        notice: extra.notice,
        now: Date.now(),
        csrfToken: this.csrf.issue(req, reply),
      },
      status,
    );
  }
}
