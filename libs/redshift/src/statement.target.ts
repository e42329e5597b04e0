// Where a Data API statement runs and as whom. A job may name its own target; whatever it
// leaves out comes from the extractor's environment (REDSHIFT_* variables).
import type { z } from 'zod';
import type { JobDefinition, redshiftEnvironmentSchema } from '@qupersync/config';
import { QuperSyncError } from '@qupersync/contracts';

export type RedshiftEnvironment = z.infer<typeof redshiftEnvironmentSchema>;

export interface StatementTarget {
  /** Redshift Serverless; exactly one of workgroupName and clusterIdentifier is set. */
  readonly workgroupName?: string;
  /** A provisioned cluster. */
  readonly clusterIdentifier?: string;
  readonly database: string;
  /** Secrets Manager credentials; otherwise temporary credentials for dbUser (clusters only). */
  readonly secretArn?: string;
  readonly dbUser?: string;
}

/** Where a job's statements run: its source's own settings, the environment's for the rest. */
export function resolveJobStatementTarget(
  environment: RedshiftEnvironment,
  source: JobDefinition['source'],
): StatementTarget {
  return resolveStatementTarget(environment, {
    ...(source.workgroupName === undefined ? {} : { workgroupName: source.workgroupName }),
    ...(source.clusterIdentifier === undefined ? {} : { clusterIdentifier: source.clusterIdentifier }),
    ...(source.database === undefined ? {} : { database: source.database }),
    ...(source.secretArn === undefined ? {} : { secretArn: source.secretArn }),
    ...(source.dbUser === undefined ? {} : { dbUser: source.dbUser }),
  });
}

/** Fills what `overrides` leaves out from the environment; fails if no compute target results. */
export function resolveStatementTarget(
  environment: RedshiftEnvironment,
  overrides: Partial<StatementTarget> = {},
): StatementTarget {
  const namesCompute = overrides.workgroupName !== undefined || overrides.clusterIdentifier !== undefined;
  const workgroupName = namesCompute ? overrides.workgroupName : environment.REDSHIFT_WORKGROUP_NAME;
  const clusterIdentifier = namesCompute
    ? overrides.clusterIdentifier
    : environment.REDSHIFT_CLUSTER_IDENTIFIER;
  if ((workgroupName === undefined) === (clusterIdentifier === undefined)) {
    throw new QuperSyncError(
      'SOURCE_STATEMENT_FAILED',
      'permanent',
      'exactly one of REDSHIFT_WORKGROUP_NAME and REDSHIFT_CLUSTER_IDENTIFIER (or the job target) must be set',
    );
  }
  const namesCredentials = overrides.secretArn !== undefined || overrides.dbUser !== undefined;
  const secretArn = namesCredentials ? overrides.secretArn : environment.REDSHIFT_SECRET_ARN;
  const dbUser = namesCredentials ? overrides.dbUser : environment.REDSHIFT_DB_USER;
  return {
    ...(workgroupName === undefined ? {} : { workgroupName }),
    ...(clusterIdentifier === undefined ? {} : { clusterIdentifier }),
    database: overrides.database ?? environment.REDSHIFT_DATABASE,
    ...(secretArn === undefined ? {} : { secretArn }),
    ...(dbUser === undefined ? {} : { dbUser }),
  };
}
