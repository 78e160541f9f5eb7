import type { DeliveryTarget } from './delivery-target';

/** The columns every sweep query returns, so each maps to a job the same way. */
export interface TargetRow {
  id: bigint;
  tenant_id: bigint;
  version: number;
  attempts: number;
  due_at: Date;
}

export function toDeliveryTarget(row: TargetRow): DeliveryTarget {
  return {
    emailId: row.id.toString(),
    tenantId: row.tenant_id.toString(),
    version: row.version,
    attempts: row.attempts,
    dueAt: row.due_at,
  };
}
