import { Body, Controller, Get, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { UserInputError } from '../common/errors.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { describeScope } from '../tokens/scopes.js';
import { AccountSession } from './account-session.service.js';
import { PersonalAccessTokens, TOKEN_LIFETIMES_DAYS } from './personal-access-tokens.service.js';

interface TokenForm {
  name?: unknown;
  scope?: unknown;
  days?: unknown;
}

/**
 * /account/tokens: the signed-in user's personal access tokens (list, create, revoke), signed
 * in and protected like the other account pages. A new token is shown on the page that created
 * it, and never again.
 */
@Public()
@Controller('account/tokens')
export class PersonalAccessTokensController {
  constructor(
    private readonly session: AccountSession,
    private readonly personalTokens: PersonalAccessTokens,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  @Get()
  async tokens(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.session.user(req, reply);
    if (!user) {
      return this.session.startSignIn(req, reply, '/account/tokens');
    }
    return this.tokensPage(req, reply, user, {});
  }

  @Post()
  async createToken(
    @Body() form: TokenForm,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.session.userForPost(req, reply, this.csrf);
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
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.session.userForPost(req, reply, this.csrf);
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
