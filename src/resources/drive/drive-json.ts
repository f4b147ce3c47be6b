import type { DriveFile, DriveFileSummary } from './drive.service.js';

/** A file as the API and the MCP tools show it (FileSummarySchema), without its content. */
export function summary(file: DriveFileSummary) {
  return {
    id: file.id,
    name: file.name,
    media_type: file.mediaType,
    size: file.size,
    created_at: new Date(file.createdAt).toISOString(),
  };
}

/** A file with its content (FileSchema). */
export function full(file: DriveFile) {
  return { ...summary(file), content: file.content };
}
