import { dkimRecordName, type DomainKeys, type RecordStatus } from './domain-records';
import type { ResolveTxt } from './txt-resolver';

/** What one look at DNS found. `spf` is null when the relay asks for no SPF mechanism (SPF_INCLUDE unset). */
export interface DomainCheck {
  dkim: RecordStatus;
  spf: RecordStatus | null;
  /** Why a lookup gave no answer (timeout, SERVFAIL…), or what was found instead of the DKIM key. */
  error: string | null;
}

// The name or the record does not exist: a definite answer. Anything else (timeout, SERVFAIL, refused) is not.
const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);

/** Looks a domain's records up now: the DKIM key at <selector>._domainkey.<name>, and SPF when asked for. */
export async function checkDomainRecords(resolveTxt: ResolveTxt, domain: DomainKeys, spfInclude: string | undefined): Promise<DomainCheck> {
  const [dkim, spf] = await Promise.all([
    lookup(resolveTxt, dkimRecordName(domain), (records) => dkimMatches(records, domain.dkimPublicKey)),
    spfInclude ? lookup(resolveTxt, domain.name, (records) => spfMatches(records, spfInclude)) : undefined,
  ]);
  const error = dkim.error ?? (spf?.error ? `SPF: ${spf.error}` : null);
  return { dkim: dkim.status, spf: spf?.status ?? null, error };
}

async function lookup(resolveTxt: ResolveTxt, name: string, matches: (records: string[]) => RecordStatus): Promise<{ status: RecordStatus; error: string | null }> {
  try {
    const records = (await resolveTxt(name)).map((chunks) => chunks.join(''));
    const status = matches(records);
    return { status, error: status === 'mismatch' ? `${name} has TXT records, none of them the one asked for` : null };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (ABSENT.has(code)) return { status: 'missing', error: null };
    return { status: 'lookup_failed', error: `looking up ${name}: ${code || (error as Error).message}` };
  }
}

/** The DKIM record whose p= is our public key (whitespace inside a tag value is folding, not content). */
function dkimMatches(records: string[], publicKey: string): RecordStatus {
  const dkim = records.map(tags).filter((t) => t.has('p'));
  if (dkim.length === 0) return records.length === 0 ? 'missing' : 'mismatch';
  return dkim.some((t) => t.get('p') === publicKey && (t.get('k') ?? 'rsa') === 'rsa') ? 'verified' : 'mismatch';
}

function tags(record: string): Map<string, string> {
  const entries = record.split(';').flatMap((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? [] : [[part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, '')] as const];
  });
  return new Map(entries);
}

/** The SPF record (there may be only one) carries the mechanism, with or without a `+` qualifier. */
function spfMatches(records: string[], mechanism: string): RecordStatus {
  const spf = records.filter((r) => /^v=spf1(\s|$)/i.test(r.trim()));
  if (spf.length === 0) return 'missing';
  const wanted = mechanism.toLowerCase();
  const terms = spf.flatMap((r) => r.trim().toLowerCase().split(/\s+/).map((t) => t.replace(/^\+/, '')));
  return spf.length === 1 && terms.includes(wanted) ? 'verified' : 'mismatch';
}
