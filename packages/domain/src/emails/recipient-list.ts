import { addressKey, type ParsedAddress } from './parse-address';

export type RecipientKind = 'to' | 'cc' | 'bcc';

export interface RecipientSpec {
  address: string;
  name: string | null;
  kind: RecipientKind;
}

/**
 * One row per address per email: an address listed twice (or in both to and cc, in any case) is kept
 * once, as first written, in the most visible field it appears in, so nobody receives two copies of one
 * message.
 */
export function recipientList(lists: Record<RecipientKind, ParsedAddress[]>): RecipientSpec[] {
  const seen = new Map<string, RecipientSpec>();
  for (const kind of ['to', 'cc', 'bcc'] as const) {
    for (const parsed of lists[kind]) {
      const key = addressKey(parsed.address);
      if (!seen.has(key)) seen.set(key, { address: parsed.address, name: parsed.name, kind });
    }
  }
  return [...seen.values()];
}
