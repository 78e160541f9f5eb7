import type { Options } from 'tsup';

/**
 * How an app is compiled for production: its entry point and the workspace packages it imports, bundled
 * into one CommonJS file under dist/; third-party packages stay imports, installed in the image as
 * production dependencies. Source maps, so a stack trace names the TypeScript line.
 */
export function appBuild(entry: Record<string, string> = { main: 'src/main.ts' }): Options {
  return {
    entry,
    outDir: 'dist',
    format: ['cjs'],
    platform: 'node',
    target: 'node20',
    clean: true,
    sourcemap: true,
    splitting: false,
    skipNodeModulesBundle: true,
    // A workspace's package.json stays a run-time lookup: the migrator finds prisma/migrations from the db
    // package's root.
    noExternal: [/^@postdate\/(?!.*\/package\.json$)/],
  };
}
