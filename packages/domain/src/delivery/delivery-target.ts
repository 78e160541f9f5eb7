/** Everything a delivery job carries: which email, at which version and attempt, and when it is due. */
export interface DeliveryTarget {
  emailId: string;
  /** Tells this email's jobs from those of an email issued the same id before a database restore. */
  createdAt: Date;
  tenantId: string;
  version: number;
  attempts: number;
  dueAt: Date;
  /** Ahead of every other job when due (a throttled email going back to the front of the line). */
  frontOfLine?: boolean;
}

/** Adds delivery jobs to whatever queue the app runs; the domain never talks to Redis itself. */
export type EnqueueDeliveries = (targets: DeliveryTarget[]) => Promise<void>;
