import { Body, Controller, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditLog } from '../../audit/audit-log.service.js';
import { CsrfService, interactionPurpose } from '../../common/csrf.service.js';
import { type FormFields, single } from '../../common/form-fields.js';
import { Public } from '../../common/public.decorator.js';
import { AuthenticatorApps } from '../../identity/second-factors/authenticator-apps.service.js';
import { RecoveryCodes } from '../../identity/second-factors/recovery-codes.service.js';
import {
  SecondFactorThrottle,
  TooManySecondFactorAttempts,
} from '../../identity/second-factors/second-factor-throttle.js';
import { UsersService } from '../../identity/users.service.js';
import { Mailer } from '../../mail/mailer.service.js';
import type { Engine } from '../provider/engine.js';
import { OIDC_PROVIDER } from '../provider/oidc-provider.token.js';
import { InteractionExpired, loadInteraction } from './interaction-details.js';
import { SecondFactorStep } from './second-factor-step.js';

/** Longer than any code, short enough to refuse garbage without work. */
const MAX_CODE = 64;

/**
 * The second step's forms: a code from the authenticator app, or a recovery code. Wrong
 * codes count against the second-factor throttle (per account and per address); a right one
 * completes the sign-in with `amr` saying what was done (RFC 8176: the password, then `otp`,
 * and `mfa`), and the engine takes the authorization on.
 */
@Public()
@Controller('interaction/:uid')
export class SecondFactorController {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Engine,
    private readonly step: SecondFactorStep,
    private readonly apps: AuthenticatorApps,
    private readonly recoveryCodes: RecoveryCodes,
    private readonly throttle: SecondFactorThrottle,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly mailer: Mailer,
    private readonly csrf: CsrfService,
  ) {}

  @Post('second-factor')
  async verifyCode(
    @Param('uid') uid: string,
    @Body() form: FormFields,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.attempt(uid, form, req, reply, 'totp', async (accountId, typed) =>
      (await this.apps.verify(accountId, typed)) ? {} : undefined,
    );
  }

  @Post('recovery-code')
  async useRecoveryCode(
    @Param('uid') uid: string,
    @Body() form: FormFields,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.attempt(uid, form, req, reply, 'recovery_code', async (accountId, typed) => {
      const left = await this.recoveryCodes.use(accountId, typed);
      return left === undefined ? undefined : { left };
    });
  }

  /**
   * One try of `method`: throttled, checked by `check` (undefined: wrong), audited; a right
   * code finishes the sign-in.
   */
  private async attempt(
    uid: string,
    form: FormFields,
    req: FastifyRequest,
    reply: FastifyReply,
    method: 'totp' | 'recovery_code',
    check: (accountId: string, typed: string) => Promise<{ left?: number } | undefined>,
  ) {
    this.csrf.verify(req, reply, interactionPurpose(uid));
    const interaction = await loadInteraction(this.provider, uid, req, reply, 'login');
    if (!this.step.applies(interaction)) {
      throw new InteractionExpired();
    }
    const accountId = interaction.session!.accountId;
    const clientId = String(interaction.params.client_id);
    const actor = { id: accountId, ip: req.ip };
    const field = method === 'totp' ? 'code' : 'recovery_code';
    const typed = (single(form, field) ?? '').trim().slice(0, MAX_CODE);
    try {
      await this.throttle.check(accountId, req.ip);
    } catch (error) {
      if (!(error instanceof TooManySecondFactorAttempts)) {
        throw error;
      }
      await this.audit.record({
        event: 'second_factor.verified',
        outcome: 'failure',
        actor,
        clientId,
        details: { method, reason: 'throttled' },
      });
      reply.header('Retry-After', String(error.retryAfter));
      return this.step.render(interaction, req, reply, {
        method,
        status: HttpStatus.TOO_MANY_REQUESTS,
        error: `Too many wrong codes. Try again in ${Math.ceil(error.retryAfter / 60)} minute(s).`,
      });
    }
    const result = typed ? await check(accountId, typed) : undefined;
    if (!result) {
      if (typed) {
        await this.throttle.recordFailure(accountId, req.ip);
      }
      await this.audit.record({
        event: 'second_factor.verified',
        outcome: 'failure',
        actor,
        clientId,
        details: { method, reason: typed ? 'wrong_code' : 'empty' },
      });
      return this.step.render(interaction, req, reply, {
        method,
        status: HttpStatus.BAD_REQUEST,
        error:
          method === 'totp'
            ? 'That code is not valid. Enter the code your app shows now (each code works once).'
            : 'That is not one of your unused recovery codes.',
      });
    }
    await this.throttle.recordSuccess(accountId);
    await this.audit.record({
      event: method === 'totp' ? 'second_factor.verified' : 'recovery_code.used',
      outcome: 'success',
      actor,
      clientId,
      details: { method, ...(result.left === undefined ? {} : { left: result.left }) },
    });
    if (result.left !== undefined) {
      const user = await this.users.findById(accountId);
      if (user) {
        this.mailer.queue({
          to: user.email,
          kind: 'recovery_code_used',
          input: { remaining: result.left },
        });
      }
    }
    return this.step.finish(interaction, req, reply, 'otp');
  }
}
