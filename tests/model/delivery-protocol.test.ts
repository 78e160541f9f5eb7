import { checkDeliveryModelSharded, failureReport, modelCheckOptions } from './model-check';
import { useModelDatabase } from './model-database';

// The delivery protocol, model-checked: claim, send, renew, record, lease recovery, cancel, PATCH, recipient
// removal, the overdue scan and duplicate jobs, each its real code on a real Postgres, in interleavings that
// fast-check's scheduler chooses, compared after each run with the reference model (model.ts) and the
// invariants (invariants.ts). Run longer with MODEL_RUNS; replay a failure with the MODEL_SEED it prints.
// MODEL_SHARDS (default 4) checks run at once, each on its own database.

const options = modelCheckOptions(2000);
const shards = Number(process.env.MODEL_SHARDS ?? 4);
const environments = Array.from({ length: shards }, () => useModelDatabase());

test(`the protocol keeps the model's invariants over ${options.runs} generated interleavings`, async () => {
  const started = performance.now();
  const results = await checkDeliveryModelSharded(environments.map((environment) => environment()), options);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const runs = results.reduce((sum, details) => sum + details.numRuns, 0);
  process.stdout.write(`model check: ${runs} interleavings in ${seconds} s over ${results.length} shard(s), MODEL_SEED=${results.map((d) => d.seed).join(',')}\n`);
  const failed = results.find((details) => details.failed);
  if (failed) throw new Error(failureReport(failed));
  expect(runs).toBe(options.runs);
}, 600_000 + options.runs * 1_000);
