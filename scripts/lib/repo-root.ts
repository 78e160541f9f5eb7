import path from 'node:path';

/** The checkout the scripts run in: every command runs from here, whatever the caller's working folder. */
export const repoRoot = path.resolve(__dirname, '..', '..');
