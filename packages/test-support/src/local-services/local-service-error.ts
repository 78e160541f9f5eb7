/**
 * A problem the person at the keyboard has to solve (install something, free a port, set a variable). Its
 * message says what to do; the scripts print it without a stack trace.
 */
export class LocalServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalServiceError';
  }
}
