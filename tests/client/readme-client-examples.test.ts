import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../deploy/support/app-command';

// The README's TypeScript examples of @postdate/client typecheck against the client as it is: each block
// becomes the body of a function of one virtual file, compiled with the tests' own settings.

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('every TypeScript example in the README typechecks against @postdate/client', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(8);
  const file = path.join(ROOT, 'tests/client/readme-examples.ts');
  const source = [
    "import { Postdate, PostdateApiError } from '@postdate/client';",
    'declare const postdate: Postdate;',
    'void PostdateApiError;',
    ...blocks.map((block, i) => `export async function example${i}() {\n${block.replace(/^import .*$/gm, '')}\n}`),
  ].join('\n');
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tests/tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options = { ...config.options, noUnusedLocals: false, types: ['node'] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(problems).toEqual([]);
}, 60_000);
