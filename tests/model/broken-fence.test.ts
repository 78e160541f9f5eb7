import { markSentWithoutStatusFence } from './broken-mark-sent';
import { checkDeliveryModel, failureReport, modelCheckOptions } from './model-check';
import { useModelDatabase } from './model-database';

// The checker checked: with the sent-record's fence broken (matched on the attempt number, not on the status
// as well; broken-mark-sent.ts), the model check must find a violation within the default run count. It
// prints how many interleavings that took and the shrunk history it reports.

const options = modelCheckOptions(2000);
const environment = useModelDatabase(markSentWithoutStatusFence);

test('a sent-record without its status fence is caught within the default run count', async () => {
  const details = await checkDeliveryModel(environment(), options);
  expect(details.failed).toBe(true);
  process.stdout.write(`broken fence: found after ${details.numRuns} interleaving(s), shrunk ${details.numShrinks} time(s)\n${failureReport(details)}\n`);
  expect(String(details.errorInstance)).toMatch(/record of attempt \d+ was accepted while the email was (scheduled|failed)/);
}, 600_000 + options.runs * 1_000);
