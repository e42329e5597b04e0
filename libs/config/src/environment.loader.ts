// The one place that reads process.env. Each service composes the schemas it needs and gets
// a typed, frozen object back, or a ConfigurationError naming every bad variable.
import { z } from 'zod';
import { ConfigurationError } from './configuration.error';

export function parseEnvironment<Schema extends z.ZodTypeAny>(
  schema: Schema,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<Schema> {
  const result = schema.safeParse(environment);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    );
    throw new ConfigurationError(`invalid environment: ${problems.join('; ')}`, problems);
  }
  return Object.freeze(result.data) as z.infer<Schema>;
}
