import { z } from 'zod';
import type { SenderDomain } from '@postdate/db';
import { expectedRecords } from './domain-records';

const isoDateTime = (description: string) => z.string().meta({ format: 'date-time', description });
const recordStatus = z.enum(['verified', 'missing', 'mismatch', 'lookup_failed', 'unchecked']);

/** What clients see of a sender domain: never its private key, nor the sealed form of it. */
export const domainViewSchema = z
  .strictObject({
    object: z.literal('domain'),
    id: z.string(),
    name: z.string().meta({ description: 'Lower-case ASCII (an IDN as punycode).' }),
    status: z.enum(['pending', 'verified', 'unverified']),
    verifiedAt: isoDateTime('When it last became verified.').nullable(),
    unverifiedSince: isoDateTime('When a check first found its DKIM record gone, after it had been verified.').nullable(),
    sendingAllowedUntil: isoDateTime('For an unverified domain: the end of its grace period (DOMAIN_UNVERIFIED_GRACE_HOURS).').nullable(),
    lastCheckedAt: isoDateTime('When its records were last looked up.').nullable(),
    lastCheckError: z.string().nullable(),
    records: z.array(
      z.strictObject({
        purpose: z.enum(['dkim', 'spf']),
        type: z.literal('TXT'),
        name: z.string(),
        value: z.string(),
        required: z.boolean().meta({ description: 'Whether verification depends on it: DKIM does; SPF is advice.' }),
        status: recordStatus.meta({ description: 'What the last look-up found; `unchecked` before the first.' }),
      }),
    ),
    createdAt: isoDateTime('When it was registered.'),
  })
  .meta({ id: 'Domain' });

export const domainListSchema = z.strictObject({ data: z.array(domainViewSchema) }).meta({ id: 'DomainList' });

export type DomainView = z.output<typeof domainViewSchema>;

export interface DomainViewSettings {
  spfInclude: string | undefined;
  graceHours: number;
}

type Status = z.output<typeof recordStatus>;
const asStatus = (value: string | null): Status => (recordStatus.safeParse(value).data ?? 'unchecked');

export function toDomainView(row: SenderDomain, settings: DomainViewSettings): DomainView {
  const graceEnds = row.status === 'unverified' && row.unverifiedSince ? new Date(row.unverifiedSince.getTime() + settings.graceHours * 3_600_000) : null;
  return {
    object: 'domain',
    id: row.id.toString(),
    name: row.name,
    status: row.status,
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    unverifiedSince: row.unverifiedSince?.toISOString() ?? null,
    sendingAllowedUntil: graceEnds?.toISOString() ?? null,
    lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
    lastCheckError: row.lastCheckError,
    records: expectedRecords(row, settings.spfInclude).map((record) => ({
      ...record,
      status: asStatus(record.purpose === 'dkim' ? row.dkimRecordStatus : row.spfRecordStatus),
    })),
    createdAt: row.createdAt.toISOString(),
  };
}
