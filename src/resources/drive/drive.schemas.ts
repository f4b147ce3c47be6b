import { z } from 'zod';

/** Content is stored inline; the request body limit (64 KiB) leaves room for JSON escaping. */
export const MAX_CONTENT_BYTES = 32 * 1024;
export const MAX_PAGE_SIZE = 100;

/** RFC 6838 §4.2 type/subtype names, without parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$/;

export const NewFileSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1, 'name must not be empty')
      .max(255, 'name must be at most 255 characters')
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f/\\]*$/, 'name must not contain control characters or slashes'),
    content: z
      .string()
      .refine(
        (content) => Buffer.byteLength(content) <= MAX_CONTENT_BYTES,
        `content must be at most ${MAX_CONTENT_BYTES} bytes (UTF-8)`,
      ),
    media_type: z
      .string()
      .regex(MEDIA_TYPE, 'media_type must be a media type such as text/plain')
      .default('text/plain'),
  })
  .meta({ title: 'NewFile', description: 'A file to store in the Drive' });

export type NewFile = z.infer<typeof NewFileSchema>;

export const ListQuerySchema = z.strictObject({
  limit: z.coerce
    .number()
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(MAX_PAGE_SIZE, `limit must be at most ${MAX_PAGE_SIZE}`)
    .default(50),
  page_token: z.string().max(200).optional(),
});

// Response shapes: documentation only, so plain types rather than validating patterns.
const FileSummaryShape = {
  id: z.string().meta({ format: 'uuid' }),
  name: z.string(),
  media_type: z.string(),
  size: z.number().meta({ type: 'integer' }).describe('Size of the content in bytes (UTF-8)'),
  created_at: z.string().meta({ format: 'date-time' }),
};

export const FileSummarySchema = z.object(FileSummaryShape).meta({ title: 'FileSummary' });

export const FileSchema = z
  .object({ ...FileSummaryShape, content: z.string() })
  .meta({ title: 'File' });

export const FileListSchema = z
  .object({
    files: z.array(FileSummarySchema).describe('Newest first'),
    next_page_token: z
      .string()
      .optional()
      .describe('Pass as page_token for the next page; absent on the last page'),
  })
  .meta({ title: 'FileList' });

export { parseInput } from '../../common/parse-input.js';
