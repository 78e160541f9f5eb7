import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './app-command';
import { copiesOf, finalStage } from './dockerfile';

const run = promisify(execFile);

/** The apps the image carries, as `turbo prune` names them. */
export const IMAGE_APPS = ['@postdate/api', '@postdate/worker', '@postdate/cli'];
/** How the image installs its production dependencies (the Dockerfile must say exactly this). */
export const PRODUCTION_INSTALL = 'npm ci --omit=dev --omit=optional --omit=peer --ignore-scripts';

export interface ProductionTree {
  /** The runtime stage's /app, assembled as the Dockerfile's COPY instructions assemble it. */
  dir: string;
  remove(): Promise<void>;
}

/**
 * What the image's runtime stage holds, made here without a container engine: the apps built by the turbo
 * graph, `turbo prune --docker`, the production install into the pruned manifests, then the runtime
 * stage's own COPY instructions (read from the Dockerfile) from those folders into a fresh one. The
 * install may use the npm cache but nothing else of this checkout's node_modules.
 */
export async function assembleProductionTree(): Promise<ProductionTree> {
  const work = await mkdtemp(path.join(tmpdir(), 'postdate-image-'));
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
  const turbo = path.join(ROOT, 'node_modules', '.bin', 'turbo');
  await run(turbo, ['run', 'build', ...IMAGE_APPS.map((app) => `--filter=${app}`), '--output-logs=errors-only'], { cwd: ROOT, env });
  const pruned = path.join(work, 'out');
  await run(turbo, ['prune', ...IMAGE_APPS, '--docker', `--out-dir=${pruned}`], { cwd: ROOT, env });
  const dependencies = path.join(work, 'production-dependencies');
  await cp(path.join(pruned, 'json'), dependencies, { recursive: true });
  const [npm, ...args] = PRODUCTION_INSTALL.split(' ');
  await run(npm!, [...args, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dependencies, env, maxBuffer: 16 * 1024 * 1024 });

  // The Dockerfile's stages, as folders here: the build stage built the same sources in place.
  const stageDirs: Record<string, string> = { prune: path.join(work, 'src'), build: ROOT, 'production-dependencies': dependencies };
  await mkdir(stageDirs.prune!, { recursive: true });
  const runtime = path.join(work, 'runtime');
  for (const copy of copiesOf(finalStage)) {
    const stageDir = copy.from && stageDirs[copy.from];
    if (!stageDir) throw new Error(`the runtime stage copies from ${copy.from ?? 'the build context'}, which this assembly does not know`);
    const source = path.join(stageDir, path.relative('/app', copy.source));
    const destination = path.join(runtime, copy.destination);
    await mkdir(path.dirname(destination), { recursive: true });
    await cp(source, destination, { recursive: true, verbatimSymlinks: true });
  }
  return { dir: runtime, remove: () => rm(work, { recursive: true, force: true }) };
}
