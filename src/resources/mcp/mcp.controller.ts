import { Controller, Delete, Get, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';
import { CLIENT_REGISTRY, type ClientRegistry } from '../../tokens/client-registry.js';
import {
  PROTECTED_RESOURCES,
  resourceIndicator,
  resourceMetadataUrl,
} from '../../tokens/resources.js';
import { BearerChallenge } from '../auth/bearer-challenge.js';
import { AccessToken, AnyScope, RequiresUser } from '../auth/decorators.js';
import { DriveService } from '../drive/drive.service.js';
import { driveTools } from './drive-tools.js';
import { mcpServer } from './mcp-server.js';
import type { McpTool } from './mcp-tool.js';

const MCP = PROTECTED_RESOURCES.mcp;

/**
 * The MCP server at /mcp (Streamable HTTP, stateless: each POST is answered on its own, in
 * JSON), on the official SDK. It is a protected resource like /api, behind the same guard: a
 * token for `${ISSUER}/mcp` (a token for the API is refused here, and the other way round, RFC
 * 8707), authorized by a user, with at least one of the resource's scopes; each tool call needs
 * the tool's own scopes too. The token is used here and never passed on to anything else (MCP
 * authorization, "Access Token Privilege Restriction").
 */
@ApiExcludeController()
@Controller(MCP.path.slice(1))
@RequiresUser()
@AnyScope(...MCP.scopes)
export class McpController {
  private readonly logger = new Logger('McpServer');
  private readonly tools: McpTool[];
  private readonly realm: string;
  private readonly metadata: string;
  private readonly resource: URL;
  private readonly issuerOrigin: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    drive: DriveService,
    @Inject(CLIENT_REGISTRY) private readonly clients: ClientRegistry,
  ) {
    this.tools = driveTools(drive);
    this.realm = config.resourceServer.realm;
    this.metadata = resourceMetadataUrl(config.issuer, MCP);
    this.resource = new URL(resourceIndicator(config.issuer, MCP));
    this.issuerOrigin = new URL(config.issuer).origin;
  }

  @Post()
  async post(
    @AccessToken() token: AccessTokenContext,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.checkToolScopes(request.body, token);
    const server = mcpServer(MCP.name, this.tools, token, this.logger);
    // Stateless (no session id): nothing is kept between requests. Streamable HTTP, "Security
    // Warning": servers MUST validate the Origin header (DNS rebinding); a page of another
    // origin than ours or a registered browser app's is answered 403 by the SDK.
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      enableDnsRebindingProtection: true,
      allowedOrigins: request.headers.origin
        ? [this.issuerOrigin, ...(await this.clients.spaOrigins())]
        : [this.issuerOrigin],
    });
    await server.connect(transport);
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    const raw = Object.assign(request.raw, {
      auth: {
        // The SDK's AuthInfo: the token is for this server only and goes no further.
        token: '',
        clientId: token.clientId,
        scopes: [...token.scopes],
        expiresAt: Math.floor(token.expiresAt.getTime() / 1000),
        resource: this.resource,
        extra: { subject: token.subject },
      },
    });
    this.handOver(reply);
    try {
      await transport.handleRequest(raw, reply.raw, request.body);
    } catch (error) {
      // Past the hand-over no Nest filter can answer: a JSON-RPC internal error, no detail.
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        reply.raw.end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32603, message: 'Internal error' },
            id: null,
          }),
        );
      }
    }
  }

  /**
   * No server-sent event stream and no sessions in stateless mode: GET and DELETE are 405
   * (Streamable HTTP: "the server MUST either return Content-Type: text/event-stream ... or
   * else return HTTP 405").
   */
  @Get()
  @Delete()
  other(@Res() reply: FastifyReply): void {
    void reply
      .code(405)
      .header('Allow', 'POST')
      .type('application/json; charset=utf-8')
      .send({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this MCP server is stateless' },
        id: null,
      });
  }

  /**
   * MCP authorization, "Scope Challenge Handling": a call the token lacks scopes for is an
   * HTTP 403 `insufficient_scope` naming the scopes it needs and the resource metadata, so a
   * client can ask its user for them (step-up) — the answer the guard gives on /api.
   */
  private checkToolScopes(body: unknown, token: AccessTokenContext): void {
    const messages = (Array.isArray(body) ? body : [body]) as {
      method?: unknown;
      params?: unknown;
    }[];
    for (const message of messages) {
      if (message?.method !== 'tools/call') {
        continue;
      }
      const name = (message.params as { name?: unknown } | undefined)?.name;
      const tool = this.tools.find((candidate) => candidate.name === name);
      if (tool && !tool.scopes.every((scope) => token.scopes.includes(scope))) {
        throw new BearerChallenge(
          this.realm,
          {
            error: 'insufficient_scope',
            description: `The tool ${tool.name} needs the scope ${tool.scopes.join(' ')}`,
            scope: tool.scopes,
          },
          this.metadata,
        );
      }
    }
  }

  /**
   * The SDK answers on the raw response: what Fastify's hooks set on the reply (security and
   * CORS headers) is copied onto it first, and Fastify is told not to answer itself.
   */
  private handOver(reply: FastifyReply): void {
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) {
        reply.raw.setHeader(name, value);
      }
    }
    reply.hijack();
  }
}
