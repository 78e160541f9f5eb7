import type { Queue } from 'bullmq';

/** What the sweeper needs to know of a job: gone, finished (blocks a re-add), delayed, or anything else. */
export type SweptJobState = 'missing' | 'finished' | 'delayed' | 'live';

// One script call per page of jobs, each job O(1): its hash, then a ZSCORE in the completed, failed and
// delayed sets. BullMQ's getJobState also scans the active and wait lists (LPOS, O(length)) for each job,
// which after a flush made every check cost as much as the jobs already re-added. KEYS: completed, failed,
// delayed; ARGV: the prefix of job hash keys, then the job ids. A job's key is built here, as BullMQ's own
// scripts build it: the queue prefix's hash tag keeps it in the same Redis Cluster slot.
const READ_JOB_STATES = `
local states = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then
    states[i - 1] = 'missing'
  elseif redis.call('ZSCORE', KEYS[1], id) or redis.call('ZSCORE', KEYS[2], id) then
    states[i - 1] = 'finished'
  elseif redis.call('ZSCORE', KEYS[3], id) then
    states[i - 1] = 'delayed'
  else
    states[i - 1] = 'live'
  end
end
return states`;

const COMMAND = 'postdateReadJobStates';
const defined = new WeakSet<object>();

/** The state of each job id, in order, read in one round trip. */
export async function readJobStates(queue: Queue, jobIds: string[]): Promise<SweptJobState[]> {
  if (jobIds.length === 0) return [];
  const client = await queue.getBackend().client;
  if (!defined.has(client)) {
    client.defineCommand(COMMAND, { numberOfKeys: 3, lua: READ_JOB_STATES, readOnly: true });
    defined.add(client);
  }
  const keys = [queue.keys.completed!, queue.keys.failed!, queue.keys.delayed!];
  return (await client.runCommand(COMMAND, [...keys, queue.toKey(''), ...jobIds])) as SweptJobState[];
}
