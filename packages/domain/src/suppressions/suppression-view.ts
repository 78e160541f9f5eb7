import { z } from 'zod';
import type { Suppression } from '@postdate/db';

/** What clients see of a suppression. */
export const suppressionViewSchema = z
  .strictObject({
    object: z.literal('suppression'),
    address: z.string(),
    reason: z.enum(['hard_bounce', 'complaint', 'manual']),
    source: z.string().meta({ description: 'The relay\'s reply that caused it, or "api".' }),
    createdAt: z.string().meta({ format: 'date-time' }),
    expiresAt: z.string().meta({ format: 'date-time' }).nullable(),
  })
  .meta({ id: 'Suppression' });

export type SuppressionView = z.output<typeof suppressionViewSchema>;

export function toSuppressionView(row: Pick<Suppression, 'address' | 'reason' | 'source' | 'createdAt' | 'expiresAt'>): SuppressionView {
  return {
    object: 'suppression',
    address: row.address,
    reason: row.reason,
    source: row.source,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

