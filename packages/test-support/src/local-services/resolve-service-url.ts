import type { Progress } from './progress';
import { redactUrl } from './redact-url';

/** Where a service's URL came from: the variable the user exported, the conventional local server, or our private one. */
export type ServiceSource = 'environment' | 'default' | 'local';

export interface ResolvedService {
  url: string;
  source: ServiceSource;
}

export interface ServiceCandidates {
  /** "Postgres", "Redis": for messages. */
  label: string;
  /** DATABASE_URL, REDIS_URL: for messages. */
  variable: string;
  /** The URL the user exported, if any. */
  userUrl: string | undefined;
  /** The conventional local server. */
  defaultUrl: string;
  isReachable(url: string): Promise<boolean>;
  /** Starts (or finds running) the private server; only called when neither URL answers. */
  startLocal(): Promise<string>;
  progress: Progress;
}

/**
 * The one resolution order, so behaviour is predictable whatever the machine: the URL the user exported if it
 * answers; else the conventional local server if it answers; else a private server under .local/.
 */
export async function resolveServiceUrl(candidates: ServiceCandidates): Promise<ResolvedService> {
  const { label, variable, userUrl, defaultUrl, progress } = candidates;
  if (userUrl) {
    if (await candidates.isReachable(userUrl)) {
      progress(`${label}: using ${variable} (${redactUrl(userUrl)})`);
      return { url: userUrl, source: 'environment' };
    }
    progress(`${label}: ${variable} (${redactUrl(userUrl)}) does not answer; looking elsewhere`);
  }
  if (await candidates.isReachable(defaultUrl)) return { url: defaultUrl, source: 'default' };
  progress(`${label}: nothing answers at ${redactUrl(defaultUrl)}; using a private server under .local/`);
  return { url: await candidates.startLocal(), source: 'local' };
}
