import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  findDatabaseUnavailable,
  RETRY_AFTER_SECONDS,
  UNAVAILABLE_DESCRIPTION,
  unavailableLogLine,
} from './database-unavailable.js';
import { defaultErrorPage, type ErrorPage, type PageErrorResponse } from './error-pages.js';
import { ConflictError, NotFoundError, UserInputError } from './errors.js';
import type { ViewsService } from './views.service.js';

interface ErrorAnswer {
  status: number;
  /** OAuth-style error code (RFC 6749 §5.2 vocabulary where one fits). */
  code: string;
  message: string;
  /** Seconds the client should wait before trying again (a 503's `Retry-After`). */
  retryAfter?: number;
  /** What the HTML page says, when the thrower knew better than the status (see pageError). */
  page?: PageErrorResponse['page'];
}

/** What the log says of the request: its method and path (never the query, which may hold a token). */
interface RequestLine {
  method: string;
  url: string;
}

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'access_denied',
  404: 'not_found',
  409: 'conflict',
  405: 'method_not_allowed',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/**
 * Turns anything thrown into a clean answer: a readable HTML page for browsers, a JSON
 * `{ error, error_description }` for everything else. 5xx bodies never carry details; the
 * stack goes to the log only, and only for a real bug (500): a database that is out of reach
 * for now is a 503 (RFC 9110 §15.6.4), logged in one line.
 */
export function describeError(
  exception: unknown,
  logger: Logger,
  request: RequestLine,
): ErrorAnswer {
  // 503 is an answer our code gives on purpose (health check), with a message written for users.
  if (exception instanceof HttpException && exception.getStatus() === 503) {
    const cause = exception.cause instanceof Error ? `: ${exception.cause.message}` : '';
    const outage = findDatabaseUnavailable(exception.cause);
    logger.warn(
      outage
        ? unavailableLogLine(request.method, request.url, outage)
        : `Answered 503: ${request.method} ${request.url.split('?')[0]} (${exception.message}${cause})`,
    );
    return {
      status: 503,
      code: 'temporarily_unavailable',
      message: exception.message,
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status < 500) {
      const response = exception.getResponse();
      const detail =
        typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message = Array.isArray(detail)
        ? detail.join('; ')
        : typeof detail === 'string'
          ? detail
          : exception.message;
      const page = (response as Partial<PageErrorResponse>)?.page;
      return { status, code: CODES[status] ?? 'invalid_request', message, page };
    }
  } else if (exception instanceof UserInputError) {
    // RFC 9110 §15.5.10: a request that conflicts with the current state (an address that has
    // an account, an administrator acting on themselves) is a 409, not bad input.
    const status =
      exception instanceof NotFoundError ? 404 : exception instanceof ConflictError ? 409 : 400;
    return { status, code: CODES[status], message: exception.message };
  } else if (isClientError(exception)) {
    // Fastify's own errors: body too large, bad content type, malformed JSON, ...
    return {
      status: exception.statusCode,
      code: CODES[exception.statusCode] ?? 'invalid_request',
      message: exception.message,
    };
  }
  const outage = findDatabaseUnavailable(exception);
  if (outage) {
    logger.warn(unavailableLogLine(request.method, request.url, outage));
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      code: 'temporarily_unavailable',
      message: UNAVAILABLE_DESCRIPTION,
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : exception);
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    code: 'server_error',
    message: 'The server could not complete the request. Please try again later.',
  };
}

function isClientError(error: unknown): error is Error & { statusCode: number } {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: ErrorAnswer,
  views: ViewsService,
): void {
  if (reply.sent) {
    return;
  }
  reply.code(answer.status).header('Cache-Control', 'no-store');
  if (answer.retryAfter !== undefined) {
    void reply.header('Retry-After', String(answer.retryAfter));
  }
  if (wantsHtml(request)) {
    const page: ErrorPage = answer.page
      ? { code: answer.code, ...answer.page, message: answer.message }
      : defaultErrorPage(answer.status, answer.code, answer.message);
    void reply.type('text/html; charset=utf-8').send(views.render('error', { ...page }));
    return;
  }
  // Set the type explicitly: the failing route may have declared another one (text/css...).
  void reply
    .type('application/json; charset=utf-8')
    .send({ error: answer.code, error_description: answer.message });
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return request.method !== 'OPTIONS' && accept.includes('text/html');
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly views: ViewsService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    sendError(
      request,
      http.getResponse<FastifyReply>(),
      describeError(exception, this.logger, request),
      this.views,
    );
  }
}
