import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocumentText } from '../src/openapi/openapi-document-file';

// npm run openapi: writes the document an API with default settings serves, so that a change to the API
// shows as a diff of openapi.json in review. A test fails while the committed file is stale.
const file = path.resolve(__dirname, '../../../openapi.json');
writeFileSync(file, openApiDocumentText());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
