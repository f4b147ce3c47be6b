import { Body, Controller, Get, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { UserInputError } from '../common/errors.js';
import { all, type FormFields, problemsOf, single } from '../common/form-fields.js';
import { ViewsService } from '../common/views.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { describeScope } from '../tokens/scopes.js';
import { PageUser, SignedInPage } from './page-access.decorators.js';
import {
  type NewPersonalAccessToken,
  PersonalAccessTokens,
  TOKEN_LIFETIMES_DAYS,
} from './personal-access-tokens.service.js';

/**
 * The create form as the service takes it; what the values may be (a name, scopes this user
 * may hold, one of the lifetimes) is the service's to say. No lifetime chosen: 30 days.
 */
function newTokenFromForm(form: FormFields): NewPersonalAccessToken {
  const days = single(form, 'days');
  return {
    name: single(form, 'name') ?? '',
    scopes: all(form, 'scope'),
    days: days === undefined ? 30 : Number(days),
  };
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
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const values = newTokenFromForm(form);
    try {
      const created = await this.personalTokens.create(user, values, { id: user.id, ip: req.ip });
      return this.tokensPage(req, reply, user, { created }, HttpStatus.CREATED);
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      return this.tokensPage(req, reply, user, { values, problems: problemsOf(error) }, 400);
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
      values?: NewPersonalAccessToken;
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
