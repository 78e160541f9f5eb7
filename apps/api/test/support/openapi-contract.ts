import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

// Holds real responses to the OpenAPI document: the operation their method and path name must exist, the
// status must be one it documents, the body must match that status's schema (output schemas forbid
// undocumented fields) and carry its documented content type, and every required header must be there.

type Json = Record<string, any>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
  responses: Json;
}

export interface ContractCheck {
  /** `GET /v1/emails/{id} 200`: what the coverage check counts. */
  key: string;
  problems: string[];
}

export interface Contract {
  check(method: string, url: string, response: { status: number; headers: Headers; text: string }): ContractCheck;
  /** Every documented `METHOD template status`. */
  documented(): string[];
}

const DOCUMENT_ID = 'https://postdate.invalid/openapi.json';
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export function openApiContract(document: Json): Contract {
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document is added whole so that its $refs resolve.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (path: string) => {
    let validate = validators.get(path);
    if (!validate) validators.set(path, (validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/${path}` })));
    return validate;
  };

  const operations: Operation[] = Object.entries(document.paths as Json).flatMap(([template, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
      responses: (operation as Json).responses,
    })),
  );

  const resolve = (object: Json): { value: Json; path?: string } => {
    if (typeof object.$ref !== 'string') return { value: object };
    const path = (object.$ref as string).replace(/^#\//, '');
    return { value: path.split('/').reduce((node: Json, part) => node[part.replace(/~1/g, '/').replace(/~0/g, '~')], document), path };
  };

  return {
    documented: () => operations.flatMap((o) => Object.keys(o.responses).map((status) => `${o.method} ${o.template} ${status}`)),
    check(method, url, { status, headers, text }) {
      const path = new URL(url, 'http://127.0.0.1').pathname;
      const operation = operations
        .filter((o) => o.method === method && o.pattern.test(path))
        .sort((a, b) => b.literalSegments - a.literalSegments)[0];
      if (!operation) return { key: `${method} ${path} ${status}`, problems: [`${method} ${path}: no such operation in the document`] };
      const key = `${method} ${operation.template} ${status}`;
      const documented = operation.responses[String(status)];
      if (!documented) return { key, problems: [`${key}: status not documented`] };
      const { value: response, path: responsePath } = resolve(documented);
      const base = responsePath ?? pointer('paths', operation.template, method.toLowerCase(), 'responses', String(status));
      const problems: string[] = [];
      for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
        if (header.required && !headers.has(name)) problems.push(`${key}: required header ${name} missing`);
      }
      if (!response.content) {
        if (text !== '') problems.push(`${key}: documented without a body, answered ${JSON.stringify(text.slice(0, 200))}`);
        return { key, problems };
      }
      const mediaType = (headers.get('content-type') ?? '').split(';')[0]!.trim();
      if (!(mediaType in response.content)) {
        problems.push(`${key}: content type ${mediaType || '(none)'} not documented (${Object.keys(response.content).join(', ')})`);
        return { key, problems };
      }
      const body = mediaType === 'application/json' ? JSON.parse(text) : text;
      const validate = validatorAt(`${base}/${pointer('content', mediaType, 'schema')}`);
      if (!validate(body)) {
        problems.push(...(validate.errors ?? []).map((e) => `${key}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
      }
      return { key, problems };
    },
  };
}
