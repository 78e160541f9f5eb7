import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Router } from 'express';
import { startApi } from '@postdate/api/start';
import { apiConfig } from '@postdate/test-support';
import { createApp } from '../src/create-app';
import { openApiDocumentText } from '../src/openapi/openapi-document-file';
import { silentLogger, startTestApi, type TestApi } from './support/test-api';

// The document is generated from the routes' zod schemas; these tests hold the committed copy to them, the
// document to the OpenAPI 3.1 schema, its examples to their schemas and the app's routes to its paths.

const committedFile = path.resolve(__dirname, '../../../openapi.json');
const committed = JSON.parse(readFileSync(committedFile, 'utf8'));

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi({ apiOverrides: { MAX_BATCH_SIZE: '7' } });
});
afterAll(() => stack?.close());

test('the committed openapi.json is what the schemas generate (npm run openapi rewrites it)', () => {
  expect(readFileSync(committedFile, 'utf8')).toBe(openApiDocumentText());
});

test('it is a valid OpenAPI 3.1 document', () => {
  const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
  // The validator is an ES module, which jest's CommonJS runtime cannot load; its CLI runs in node.
  const output = execFileSync(process.execPath, [cli, committedFile], { encoding: 'utf8' });
  expect(output).toMatch(/"valid": true/);
});

test('every example in the document matches the schema it illustrates', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  const id = 'https://postdate.invalid/openapi.json';
  ajv.addSchema(committed, id);
  const examples: { where: string; schemaRef: string; example: unknown }[] = [];
  const escape = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');
  const walk = (node: unknown, pointer: string[]) => {
    if (!node || typeof node !== 'object') return;
    const object = node as Record<string, unknown>;
    if ('example' in object && 'schema' in object) examples.push({ where: pointer.join('/'), schemaRef: [...pointer, 'schema'].map(escape).join('/'), example: object.example });
    if (Array.isArray(object.examples) && pointer.at(-2) === 'schemas') {
      for (const example of object.examples) examples.push({ where: pointer.join('/'), schemaRef: pointer.map(escape).join('/'), example });
    }
    for (const [key, value] of Object.entries(object)) walk(value, [...pointer, key]);
  };
  walk(committed, []);
  expect(examples.length).toBeGreaterThanOrEqual(8);
  for (const { where, schemaRef, example } of examples) {
    const validate = ajv.compile({ $ref: `${id}#/${schemaRef}` });
    expect([where, validate(example), validate.errors ?? null]).toEqual([where, true, null]);
  }
});

/** `METHOD /path/{param}` for every route an Express router serves, mounts included. */
function servedRoutes(router: Router, prefix = ''): string[] {
  return (router.stack as any[]).flatMap((layer) => {
    if (layer.route) {
      const routePath = `${prefix}${layer.route.path}`.replace(/\/$/, '').replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${routePath}`);
    }
    if (layer.handle?.stack) return servedRoutes(layer.handle, layer.rawPath === '/' || layer.rawPath === undefined ? prefix : `${prefix}${layer.rawPath}`);
    return [];
  });
}

test('every route the app serves is in the document, and every documented operation is served', () => {
  const app = createApp(stack.api.context);
  // The document and its page describe the API; they are not part of it.
  const served = servedRoutes(app.router).filter((route) => !/ \/(openapi\.json|docs)/.test(route));
  const documented = Object.entries(committed.paths as Record<string, object>).flatMap(([template, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${template}`));
  expect(served.sort()).toEqual(documented.sort());
});

test("GET /openapi.json serves the document without an API key, with this deployment's limits", async () => {
  const response = await fetch(`${stack.baseUrl}/openapi.json`);
  expect(response.status).toBe(200);
  const served = (await response.json()) as any;
  expect(served.components.schemas.BatchRequest.properties.emails.maxItems).toBe(7);
  expect(committed.components.schemas.BatchRequest.properties.emails.maxItems).toBe(1000);
  // Apart from the limits, the same document.
  served.components.schemas.BatchRequest.properties.emails.maxItems = 1000;
  served.paths['/v1/emails/batch'].post.description = committed.paths['/v1/emails/batch'].post.description;
  expect(served).toEqual(committed);
});

test('the document and its page are served whether or not /metrics has a port of its own', async () => {
  const api = await startApi(apiConfig(stack, { API_METRICS_PORT: '0' }), silentLogger());
  try {
    for (const path of ['/openapi.json', '/docs']) {
      expect([path, (await fetch(`http://127.0.0.1:${api.port}${path}`)).status]).toEqual([path, 200]);
    }
    expect((await fetch(`http://127.0.0.1:${api.port}/metrics`)).status).toBe(404);
  } finally {
    await api.stop();
  }
});
