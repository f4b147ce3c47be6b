import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountSession } from './account-session.service.js';

/** A page was asked for without a session: the answer is a trip through the login page. */
export class SignInRequired extends Error {
  override readonly name = 'SignInRequired';

  /** @param returnTo the page to come back to once signed in */
  constructor(readonly returnTo: string) {
    super('Sign in to see this page');
  }
}

/** The MFA policy requires a second factor of the person, who has none: set one up first. */
export class SecondFactorSetupRequired extends Error {
  override readonly name = 'SecondFactorSetupRequired';

  constructor() {
    super('Set up a second factor to continue');
  }
}

/** Answers {@link SecondFactorSetupRequired}: to /account/security, saying why. */
@Catch(SecondFactorSetupRequired)
export class SecondFactorSetupRedirectFilter implements ExceptionFilter<SecondFactorSetupRequired> {
  catch(_exception: SecondFactorSetupRequired, host: ArgumentsHost): void {
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .code(303)
      .header('Cache-Control', 'no-store')
      .redirect('/account/security?required=1');
  }
}

/**
 * Answers {@link SignInRequired} with the sign-in redirect (AccountSession.startSignIn). A guard
 * can only let a request through or refuse it; a filter is where Nest lets another answer be
 * written, so the guard decides and this sends.
 */
@Catch(SignInRequired)
export class SignInRedirectFilter implements ExceptionFilter<SignInRequired> {
  constructor(private readonly session: AccountSession) {}

  catch(exception: SignInRequired, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.session.startSignIn(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      exception.returnTo,
    );
  }
}
