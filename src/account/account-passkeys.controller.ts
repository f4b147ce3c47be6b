import { Body, Controller, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../common/csrf.service.js';
import { type FormFields, single } from '../common/form-fields.js';
import { Public } from '../common/public.decorator.js';
import {
  PasskeyRefused,
  PasskeyService,
  passkeyName,
} from '../identity/passkeys/passkey.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { UsersService } from '../identity/users.service.js';
import { AccountSession } from './account-session.service.js';
import { PageUser, SignedInPage } from './page-access.decorators.js';
import { SECURITY_NOTICES, SecurityPage } from './security-page.js';

const MAX_PASSWORD = 1024;

/**
 * The passkey section of /account/security: add (a WebAuthn registration, after the current
 * password, like the page's other sensitive changes), rename and remove. Adding needs the
 * ceremony's script; renaming and removing are plain forms.
 */
@Public()
@Controller('account/security/passkeys')
export class AccountPasskeysController {
  constructor(
    private readonly passkeys: PasskeyService,
    private readonly users: UsersService,
    private readonly session: AccountSession,
    private readonly page: SecurityPage,
    private readonly csrf: CsrfService,
  ) {}

  /**
   * The options for `navigator.credentials.create()`, as JSON for /assets/passkey.js, once the
   * current password is right. The challenge is bound to this browser session.
   */
  @Post('options')
  @SignedInPage()
  async options(
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    const refuse = (error: string) =>
      reply.code(HttpStatus.BAD_REQUEST).header('Cache-Control', 'no-store').send({ error });
    const password = single(form, 'password') ?? '';
    try {
      passkeyName(single(form, 'name') ?? '');
    } catch (error) {
      return refuse((error as Error).message);
    }
    if (
      !password ||
      password.length > MAX_PASSWORD ||
      !(await this.users.authenticate(user.email, password))
    ) {
      return refuse('Your current password is not correct.');
    }
    try {
      const options = await this.passkeys.registrationOptions(user, await this.binding(req, reply));
      return reply.code(200).header('Cache-Control', 'no-store').send({ options });
    } catch (error) {
      if (error instanceof PasskeyRefused) {
        return refuse(error.message);
      }
      throw error;
    }
  }

  /** The browser's answer: verified against this session's challenge, then kept. */
  @Post()
  @SignedInPage()
  async add(
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    const name = single(form, 'name') ?? '';
    try {
      await this.passkeys.register(
        user,
        await this.binding(req, reply),
        single(form, 'credential') ?? '',
        name,
        { id: user.id, ip: req.ip },
      );
    } catch (error) {
      if (!(error instanceof PasskeyRefused)) {
        throw error;
      }
      return this.page.send(
        req,
        reply,
        user,
        { passkeyProblem: error.message, passkeyName: name.slice(0, 200) },
        HttpStatus.BAD_REQUEST,
      );
    }
    return back(reply, 'passkey-added');
  }

  @Post(':id/rename')
  @SignedInPage()
  async rename(
    @Param('id') id: string,
    @Body() form: FormFields,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    try {
      await this.passkeys.rename(user, id, single(form, 'name') ?? '', { id: user.id, ip: req.ip });
    } catch (error) {
      if (!(error instanceof PasskeyRefused)) {
        throw error;
      }
      return this.page.send(req, reply, user, { passkeyProblem: error.message }, 400);
    }
    return back(reply, 'passkey-renamed');
  }

  @Post(':id/remove')
  @SignedInPage()
  async remove(
    @Param('id') id: string,
    @PageUser() user: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    this.csrf.verify(req, reply);
    await this.passkeys.remove(user, id, { id: user.id, ip: req.ip });
    return back(reply, 'passkey-removed');
  }

  /** A registration's challenge is bound to the browser session that asked for it. */
  private async binding(req: FastifyRequest, reply: FastifyReply): Promise<string> {
    const key = await this.session.sessionKey(req, reply);
    if (!key) {
      throw new Error('a signed-in page without a browser session'); // SignedInPage checked it
    }
    return `session:${key}`;
  }
}

function back(reply: FastifyReply, notice: keyof typeof SECURITY_NOTICES) {
  return reply
    .code(303)
    .header('Cache-Control', 'no-store')
    .redirect(`/account/security?done=${notice}`);
}
