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
