import { buildApiDocument } from './api-document';
import { defaultDocumentedConfig } from './documented-config';

/** The committed openapi.json, byte for byte: the document with default settings, two-space indented. */
export function openApiDocumentText(): string {
  return `${JSON.stringify(buildApiDocument(defaultDocumentedConfig()), null, 2)}\n`;
}
