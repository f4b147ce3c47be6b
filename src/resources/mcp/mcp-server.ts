import type { LoggerService } from '@nestjs/common';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  isDatabaseUnavailable,
  UNAVAILABLE_DESCRIPTION,
} from '../../common/database-unavailable.js';
import { UserInputError } from '../../common/errors.js';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';
import type { McpTool } from './mcp-tool.js';

/** The SDK's MCP server for one request, with `tools` acting for the token's user. */
export function mcpServer(
  title: string,
  tools: McpTool[],
  token: AccessTokenContext,
  logger: LoggerService,
): McpServer {
  const server = new McpServer({ name: 'gatehouse-drive', title, version: '1.0.0' });
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { readOnlyHint: tool.readOnly, openWorldHint: false },
      },
      (input: Record<string, unknown>) => call(tool, token, input, logger),
    );
  }
  return server;
}

/** Runs a tool: its answer as structured content and as JSON text, or a tool error. */
async function call(
  tool: McpTool,
  token: AccessTokenContext,
  input: Record<string, unknown>,
  logger: LoggerService,
): Promise<CallToolResult> {
  try {
    const result = await tool.run(token, input);
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  } catch (error) {
    // What the person can act on (no such file...) is said; anything else stays in the log.
    if (error instanceof UserInputError) {
      return { content: [{ type: 'text', text: error.message }], isError: true };
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn(`${tool.name}: the database is unavailable`);
      return { content: [{ type: 'text', text: UNAVAILABLE_DESCRIPTION }], isError: true };
    }
    logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return { content: [{ type: 'text', text: `The tool ${tool.name} failed` }], isError: true };
  }
}
