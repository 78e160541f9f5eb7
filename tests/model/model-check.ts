import fc from 'fast-check';
import { ModelViolation } from './report';
import { runScenario, type ModelEnvironment } from './run-scenario';
import { scenarioArbitrary, type Scenario } from './scenario';

export interface ModelCheckOptions {
  runs: number;
  /** fast-check's seed, and the path of one case under it to replay only that case. */
  seed: number;
  path?: string;
  emails?: number;
  actorsPerEmail?: number;
}

export type ModelCheckDetails = fc.RunDetails<[fc.Scheduler, Scenario]>;

/**
 * MODEL_RUNS (default `defaultRuns`) and MODEL_SEED: `<seed>` reruns a whole check, `<seed>:<path>` (as a
 * failure prints it) replays just the shrunk counterexample.
 */
export function modelCheckOptions(defaultRuns: number, env: NodeJS.ProcessEnv = process.env): ModelCheckOptions {
  const runs = env.MODEL_RUNS ? Number(env.MODEL_RUNS) : defaultRuns;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`MODEL_RUNS must be a positive whole number, not ${env.MODEL_RUNS}`);
  if (!env.MODEL_SEED) return { runs, seed: (Math.random() * 2 ** 31) | 0 };
  const [seed, ...path] = env.MODEL_SEED.split(':');
  if (!/^-?\d+$/.test(seed!)) throw new Error(`MODEL_SEED is <seed> or <seed>:<path>, not ${env.MODEL_SEED}`);
  return { runs, seed: Number(seed), ...(path.length > 0 && { path: path.join(':') }) };
}

/** Explores `options.runs` interleavings; on a violation fast-check shrinks the scenario and stops. */
export function checkDeliveryModel(env: ModelEnvironment, options: ModelCheckOptions): Promise<ModelCheckDetails> {
  const property = fc.asyncProperty(
    fc.scheduler(),
    scenarioArbitrary({ emails: options.emails ?? 2, actorsPerEmail: options.actorsPerEmail ?? 4 }),
    async (scheduler, scenario) => {
      const world = await runScenario(env, scheduler, scenario);
      if (world.problems.length > 0) throw new ModelViolation(world);
    },
  );
  return fc.check(property, { numRuns: options.runs, seed: options.seed, ...(options.path && { path: options.path }) });
}

/**
 * The same check split over `envs.length` shards run at once, each on its own database (a run's lock probe
 * looks at its whole database) with its own seed: `seed + i` for shard i, `runs` shared out between them. A
 * run spends most of its time waiting for Postgres to settle, so shards overlap well on two cores. A failure
 * prints its shard's seed, so MODEL_SEED replays it alone; with a path, only one shard runs.
 */
export async function checkDeliveryModelSharded(envs: ModelEnvironment[], options: ModelCheckOptions): Promise<ModelCheckDetails[]> {
  const shards = options.path ? 1 : Math.min(envs.length, options.runs);
  return Promise.all(
    Array.from({ length: shards }, (_, i) => {
      const runs = Math.floor(options.runs / shards) + (i < options.runs % shards ? 1 : 0);
      return checkDeliveryModel(envs[i]!, { ...options, runs, seed: options.seed + i });
    }),
  );
}

/** What to print: fast-check's report (seed, path, the shrunk scenario and schedule, the violation) and how to replay it. */
export function failureReport(details: ModelCheckDetails): string {
  const replay = `replay: MODEL_SEED=${details.seed}:${details.counterexamplePath} npx jest -c tests/jest.config.js tests/model`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${fc.defaultReportMessage(details) ?? 'the model check failed'}\n\n${error}\n\n${replay}`;
}
