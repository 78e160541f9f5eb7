import { defineConfig } from 'tsup';

// The published package: ES module and CommonJS builds, each with its types, for Node 20+ and browsers
// (nothing but fetch, URL, AbortSignal and crypto.randomUUID is used).
export default defineConfig({
  entry: { index: 'src/index.ts' },
  outDir: 'dist',
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'neutral',
  target: 'es2022',
  clean: true,
  sourcemap: true,
});
