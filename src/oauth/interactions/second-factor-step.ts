import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService, interactionPurpose } from '../../common/csrf.service.js';
import { ViewsService } from '../../common/views.service.js';
import {
  methodsOf,
  provedSecondFactor,
  signInMethods,
  type AuthenticationMethod,
} from '../../identity/second-factors/authentication-methods.js';
import {
  hasSecondFactor,
  SecondFactors,
  type SecondFactorKind,
} from '../../identity/second-factors/second-factors.service.js';
import { UsersService } from '../../identity/users.service.js';
import { signedInSession, type Engine } from '../provider/engine.js';
import { OIDC_PROVIDER } from '../provider/oidc-provider.token.js';
import { SECOND_FACTOR_REQUIRED } from '../provider/provider-config.js';
import { InteractionExpired, type Interaction } from './interaction-details.js';

/**
 * Reasons of the login prompt that a signed-in person answers with a second factor alone:
 * ours, and the engine's for an essential `acr` claim (OpenID Connect Core §5.5.1.1), which
 * only a second factor can raise. Any other reason (no session, `prompt=login`, `max_age`)
 * asks for the password first; the second factor follows (see provider-config.ts).
 */
const SECOND_FACTOR_REASONS = new Set([SECOND_FACTOR_REQUIRED, 'essential_acr', 'essential_acrs']);

/** The ways to prove a second factor, as the page offers them (a passkey module adds its own). */
export type SecondFactorMethod = Exclude<SecondFactorKind, 'recovery_code'> | 'recovery_code';

const OTHER_METHOD_LABELS: Record<SecondFactorMethod, string> = {
  totp: 'Use your authenticator app',
  passkey: 'Use a passkey',
  recovery_code: 'Use a recovery code',
};

export interface SecondFactorPageState {
  method?: string;
  status?: number;
  error?: string;
}

/**
 * The second step of a sign-in: what the page asks of a person already past their password
 * whose authorization needs a second factor. It offers each kind the person holds (the app's
 * code first, then the others as links), or, when they must have one and have none, the way
 * to set one up. A session that proved a second factor since (set up on /account/security
 * meanwhile) goes straight on.
 */
@Injectable()
export class SecondFactorStep {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Engine,
    private readonly secondFactors: SecondFactors,
    private readonly users: UsersService,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  /** Whether this interaction is the second step (a signed-in person, a second factor due). */
  applies(interaction: Interaction): boolean {
    return (
      interaction.prompt.name === 'login' &&
      Boolean(interaction.session?.accountId) &&
      interaction.prompt.reasons.length > 0 &&
      interaction.prompt.reasons.every((reason) => SECOND_FACTOR_REASONS.has(reason))
    );
  }

  /**
   * The sign-in methods of the session now, when it proved a second factor after this
   * interaction began (on /account/security); undefined otherwise.
   */
  async provenSince(
    interaction: Interaction,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ amr: string[]; acr?: string; ts?: number } | undefined> {
    const live = await signedInSession(this.provider, req.raw, reply.raw);
    if (
      live.accountId !== interaction.session?.accountId ||
      !provedSecondFactor(live.amr) ||
      provedSecondFactor(interaction.session?.amr)
    ) {
      return undefined;
    }
    return { amr: live.amr!, acr: live.acr, ts: live.loginTs };
  }

  /**
   * Completes the sign-in once the person proved `method` (`otp` for an app's or a recovery
   * code; a passkey module passes `hwk` or `swk`): `amr` keeps what this sign-in did before
   * (the password) and adds it, and the engine takes the authorization on.
   */
  async finish(
    interaction: Interaction,
    req: FastifyRequest,
    reply: FastifyReply,
    method: Exclude<AuthenticationMethod, 'pwd'>,
  ) {
    const before = methodsOf(interaction.session?.amr);
    const redirectTo = await this.provider.interactionResult(
      req.raw,
      reply.raw,
      {
        login: {
          accountId: interaction.session!.accountId,
          ...signInMethods([...before, method]),
        },
      },
      { mergeWithLastSubmission: true },
    );
    return reply.code(HttpStatus.SEE_OTHER).redirect(redirectTo);
  }

  /**
   * The page: a code to type (or a recovery code), or how to set a second factor up. Each
   * kind the person holds is offered; `method` (the `?method=` of the page) picks the form.
   * A passkey module adds its form to views/second-factor.eta for `method === 'passkey'`.
   */
  async render(
    interaction: Interaction,
    req: FastifyRequest,
    reply: FastifyReply,
    state: SecondFactorPageState = {},
  ) {
    const accountId = interaction.session!.accountId;
    const user = await this.users.findById(accountId);
    if (!user) {
      throw new InteractionExpired();
    }
    const summary = await this.secondFactors.summary(accountId);
    const base = `/interaction/${interaction.uid}`;
    const csrfToken = this.csrf.issue(req, reply, interactionPurpose(interaction.uid));
    const status = state.status ?? HttpStatus.OK;
    if (!hasSecondFactor(summary)) {
      return this.views.send(
        reply,
        'second-factor-setup',
        {
          email: user.email,
          reason: `${interaction.clientName} asks for a second factor, and your account has none yet.`,
          setupHref: `/account/security?continue=${encodeURIComponent(base)}`,
          continueHref: base,
          abortAction: `${base}/abort`,
          csrfToken,
        },
        status,
      );
    }
    const offered = (Object.keys(summary) as SecondFactorMethod[]).filter(
      (kind) => (summary[kind] ?? 0) > 0,
    );
    const method = offered.includes(state.method as SecondFactorMethod)
      ? (state.method as SecondFactorMethod)
      : offered.includes('totp')
        ? 'totp'
        : offered[0];
    return this.views.send(
      reply,
      'second-factor',
      {
        email: user.email,
        clientName: interaction.clientName,
        method,
        action: `${base}/${method === 'recovery_code' ? 'recovery-code' : 'second-factor'}`,
        abortAction: `${base}/abort`,
        others: offered
          .filter((kind) => kind !== method)
          .map((kind) => ({ label: OTHER_METHOD_LABELS[kind], href: `${base}?method=${kind}` })),
        error: state.error,
        csrfToken,
      },
      status,
    );
  }
}
