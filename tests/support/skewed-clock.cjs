// Preloaded (NODE_OPTIONS=--require) into a worker process to run its clock CLOCK_SKEW_MS ahead of (or, if
// negative, behind) the database's: everything in the process that reads Date.now(), BullMQ included,
// sees the skewed time, as on a machine whose clock drifted.
const skewMs = Number(process.env.CLOCK_SKEW_MS || 0);
const realNow = Date.now;
Date.now = () => realNow() + skewMs;
