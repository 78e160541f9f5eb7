import { dkimVerify } from 'mailauth/lib/dkim/verify';

/** One DKIM signature as a receiver judges it. */
export interface DkimVerdict {
  /** `pass`, `fail` (body or header hash does not match), `neutral`, `none`, `temperror`, `permerror`… */
  status: string;
  /** d= */
  domain: string;
  /** s= */
  selector: string;
  /** mailauth's reason when it is not a pass. */
  comment: string | undefined;
  /** h= as signed, lower-case. */
  signedHeaders: string[];
  /** c= */
  canonicalization: string | undefined;
}

/** Verifies every DKIM signature of a raw message with mailauth, looking keys up through `resolver` only. */
export async function verifyDkim(raw: string, resolver: { resolve: (name: string, rrtype: string) => Promise<unknown> }): Promise<DkimVerdict[]> {
  const result = await dkimVerify(Buffer.from(raw), {
    resolver: (name: string, rrtype: string) => resolver.resolve(name, rrtype) as Promise<string[][]>,
  });
  return result.results.map((r) => {
    // mailauth reports these too, untyped: the signed header names and c=.
    const extra = r as { signingHeaders?: { keys?: string }; format?: string };
    return {
      status: r.status.result,
      domain: r.signingDomain,
      selector: r.selector ?? '',
      comment: r.status.comment,
      signedHeaders: (extra.signingHeaders?.keys ?? '').split(':').map((h) => h.trim().toLowerCase()).filter(Boolean),
      canonicalization: extra.format,
    };
  });
}
