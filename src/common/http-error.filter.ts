import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, UserInputError } from './errors.js';
import type { ViewsService } from './views.service.js';

interface ErrorAnswer {
  status: number;
  /** OAuth-style error code (RFC 6749 §5.2 vocabulary where one fits). */
  code: string;
  message: string;
}

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'access_denied',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/**
 * Turns anything thrown into a clean answer: a readable HTML page for browsers, a JSON
 * `{ error, error_description }` for everything else. 5xx bodies never carry details; the
 * stack goes to the log only.
 */
export function describeError(exception: unknown, logger: Logger): ErrorAnswer {
  // 503 is an answer our code gives on purpose (health check), with a message written for users.
  if (exception instanceof HttpException && exception.getStatus() === 503) {
    logger.warn(exception.message);
    return { status: 503, code: 'temporarily_unavailable', message: exception.message };
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
      return { status, code: CODES[status] ?? 'invalid_request', message };
    }
  } else if (exception instanceof UserInputError) {
    const status = exception instanceof NotFoundError ? 404 : 400;
    return { status, code: CODES[status], message: exception.message };
  } else if (isClientError(exception)) {
    // Fastify's own errors: body too large, bad content type, malformed JSON, ...
    return {
      status: exception.statusCode,
      code: CODES[exception.statusCode] ?? 'invalid_request',
      message: exception.message,
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
  if (wantsHtml(request)) {
    const title =
      answer.status >= 500 ? 'Something went wrong' : 'This request cannot be completed';
    void reply
      .type('text/html; charset=utf-8')
      .send(views.render('error', { title, message: answer.message, code: answer.code }));
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
    sendError(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      describeError(exception, this.logger),
      this.views,
    );
  }
}
