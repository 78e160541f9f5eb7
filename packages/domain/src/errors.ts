/**
 * The few things that can go wrong for a client, as types. The API maps each code to an HTTP status
 * in one place; nothing else decides status codes.
 */
export type DomainErrorCode =
  | 'not_found'
  | 'conflict'
  | 'validation_failed'
  | 'idempotency_mismatch'
  | 'quota_exceeded'
  | 'unauthorized';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found' as const;
}

export class ConflictError extends DomainError {
  readonly code = 'conflict' as const;
}

export class ValidationFailedError extends DomainError {
  readonly code = 'validation_failed' as const;
}

/** The same Idempotency-Key was used before with a different request body. */
export class IdempotencyMismatchError extends DomainError {
  readonly code = 'idempotency_mismatch' as const;
}

export class QuotaExceededError extends DomainError {
  readonly code = 'quota_exceeded' as const;
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized' as const;
}
