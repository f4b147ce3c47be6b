import { z } from 'zod';
import { full, summary } from '../drive/drive-json.js';
import {
  FileListSchema,
  FileSchema,
  MAX_PAGE_SIZE,
  NewFileSchema,
} from '../drive/drive.schemas.js';
import type { DriveService } from '../drive/drive.service.js';
import type { McpTool } from './mcp-tool.js';

const ListInput = z.strictObject({
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(50).describe('How many files'),
  page_token: z
    .string()
    .max(200)
    .optional()
    .describe('The next_page_token of the previous page, to continue'),
});

const ReadInput = z.strictObject({ id: z.string().describe('The id of the file') });

/** The Drive as MCP tools: the same operations, scopes and answers as /api/drive/files. */
export function driveTools(drive: DriveService): McpTool[] {
  return [
    {
      name: 'list_files',
      title: 'List files',
      description: "List the files in the user's Drive, newest first",
      scopes: ['drive.read'],
      input: ListInput,
      output: FileListSchema,
      readOnly: true,
      async run(token, input) {
        const { limit, page_token: pageToken } = ListInput.parse(input);
        const page = await drive.list(token.subject, limit, pageToken);
        return {
          files: page.files.map(summary),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        };
      },
    },
    {
      name: 'read_file',
      title: 'Read a file',
      description: "Read one file of the user's Drive, with its content",
      scopes: ['drive.read'],
      input: ReadInput,
      output: FileSchema,
      readOnly: true,
      async run(token, input) {
        return full(await drive.get(token.subject, ReadInput.parse(input).id));
      },
    },
    {
      name: 'create_file',
      title: 'Create a file',
      description: "Store a new file in the user's Drive",
      scopes: ['drive.write'],
      input: NewFileSchema,
      output: FileSchema,
      readOnly: false,
      async run(token, input) {
        return full(await drive.create(token.subject, NewFileSchema.parse(input)));
      },
    },
  ];
}
