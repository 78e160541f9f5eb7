import type { DeliveryTarget } from './delivery-target';

/** The columns every sweep query returns, so each maps to a job the same way. */
export interface TargetRow {
  id: bigint;
  tenant_id: bigint;
  version: number;
  attempts: number;
  due_at: Date;
  created_at: Date;
}

export function toDeliveryTarget(row: TargetRow): DeliveryTarget {
  return {
    emailId: row.id.toString(),
    createdAt: row.created_at,
    tenantId: row.tenant_id.toString(),
    version: row.version,
    attempts: row.attempts,
    dueAt: row.due_at,
  };
}
