import type { ZodObject, ZodRawShape } from 'zod';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';
import type { Scope } from '../../tokens/scopes.js';

/**
 * One tool of the MCP server: what a client sees of it (`tools/list`), the scopes a token needs
 * to call it, and what it does for the token's user. Its result is the tool's structured
 * content (validated against `output`) and, as MCP asks for compatibility, the same JSON as text.
 */
export interface McpTool<Input extends ZodRawShape = ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /**
   * Every scope a token must carry to call the tool (all of them, like `@Scopes`), each one of
   * the MCP resource's (tokens/resources.ts). Without them the call is refused with 403
   * `insufficient_scope` naming them, before the tool runs.
   */
  scopes: [Scope, ...Scope[]];
  input: ZodObject<Input>;
  output: ZodObject;
  /** Whether the tool only reads (MCP `readOnlyHint`). */
  readOnly: boolean;
  run(token: AccessTokenContext, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}
