import type { Db, SenderDomain } from '@postdate/db';
import { checkDomainRecords } from './check-domain-records';
import { findDomain } from './manage-domains';
import { recordDomainCheck } from './record-domain-check';
import type { ResolveTxt } from './txt-resolver';

export interface VerifyDomainSettings {
  resolveTxt: ResolveTxt;
  spfInclude: string | undefined;
}

/** POST /v1/domains/:id/verify: looks the records up now (no transaction held meanwhile) and records what it found. */
export async function verifyDomain(db: Db, tenantId: bigint, id: bigint, settings: VerifyDomainSettings): Promise<SenderDomain> {
  const domain = await findDomain(db, tenantId, id);
  const check = await checkDomainRecords(settings.resolveTxt, domain, settings.spfInclude);
  await recordDomainCheck(db, domain, check);
  return findDomain(db, tenantId, id);
}
