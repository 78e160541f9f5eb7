import type { z } from 'zod';
import { ValidationFailedError } from '@postdate/domain';

/** Parses with a zod schema; failures become a 400 listing each field's problem. */
export function validate<S extends z.ZodTypeAny>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  const summary = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ValidationFailedError(`invalid ${what}: ${summary}`, { issues });
}
