// AWS names the jobs file and the environment both accept, checked the same way in both.
import { z } from 'zod';

export const s3UriSchema = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be an S3 URI like s3://bucket/prefix/');

export const iamRoleArnSchema = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/,
    'must be an IAM role ARN like arn:aws:iam::123456789012:role/name',
  );
