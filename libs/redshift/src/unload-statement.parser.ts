// Reads an UNLOAD statement the way Redshift's UNLOAD page describes it, for the local endpoint:
//   UNLOAD ('select-statement') TO 's3://bucket/prefix' IAM_ROLE 'arn:…' [option …]
// The SELECT is a string literal, so its own quotes are doubled ('' for ') and a backslash escapes
// the next character, as in any Redshift string literal. Options the endpoint cannot honour are
// refused by name instead of being ignored, and Redshift's own rules are enforced: an IAM role is
// required, and the SELECT may not end in LIMIT.
import { type S3Location, tryParseS3Uri } from '@qupersync/object-store';

export type UnloadFormat = 'csv' | 'parquet';

export interface UnloadStatement {
  /** The SELECT, unescaped. */
  readonly query: string;
  readonly to: S3Location;
  readonly iamRole: string;
  readonly format: UnloadFormat;
  readonly header: boolean;
  readonly manifest: 'none' | 'plain' | 'verbose';
  readonly parallel: boolean;
  /** MAXFILESIZE in bytes (Redshift: 5 MB to 6.2 GB, default 6.2 GB). */
  readonly maxFileBytes: number;
  readonly nullAs: string | undefined;
  readonly allowOverwrite: boolean;
  readonly cleanPath: boolean;
  readonly extension: string | undefined;
}

export class UnloadSyntaxError extends Error {}

const megabyte = 1024 * 1024;
const defaultMaxFileBytes = Math.round(6.2 * 1024 * megabyte);

export function isUnloadStatement(sql: string): boolean {
  return /^\s*unload\s*\(/i.test(sql);
}

export function parseUnloadStatement(sql: string): UnloadStatement {
  const reader = new TokenReader(sql);
  reader.keyword('UNLOAD');
  reader.symbol('(');
  const query = reader.literal('the SELECT statement');
  reader.symbol(')');
  reader.keyword('TO');
  const uri = reader.literal('the S3 path after TO');
  const to = tryParseS3Uri(uri);
  if (to === undefined) throw new UnloadSyntaxError(`"${uri}" is not a valid S3 path (s3://bucket/prefix)`);
  if (/\blimit\s+\d+\s*;?\s*$/i.test(query))
    throw new UnloadSyntaxError('Limit clause is not supported in the outer select of an UNLOAD');
  let iamRole: string | undefined;
  let format: UnloadFormat = 'csv';
  let formatGiven = false;
  let header = false;
  let manifest: UnloadStatement['manifest'] = 'none';
  let parallel = true;
  let maxFileBytes = defaultMaxFileBytes;
  let nullAs: string | undefined;
  let allowOverwrite = false;
  let cleanPath = false;
  let extension: string | undefined;
  while (!reader.atEnd()) {
    const option = reader.word();
    switch (option) {
      case 'IAM_ROLE':
        iamRole = reader.peekWord() === 'DEFAULT' ? reader.word() : reader.literal('the IAM role ARN');
        if (iamRole !== 'DEFAULT' && !/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(iamRole))
          throw new UnloadSyntaxError(
            `"${iamRole}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
          );
        break;
      case 'FORMAT': {
        if (reader.peekWord() === 'AS') reader.word();
        const name = reader.word();
        if (name !== 'CSV' && name !== 'PARQUET')
          throw new UnloadSyntaxError(
            `UNLOAD FORMAT ${name} is not supported by the local endpoint (CSV, PARQUET)`,
          );
        format = name === 'CSV' ? 'csv' : 'parquet';
        formatGiven = true;
        break;
      }
      case 'CSV':
      case 'PARQUET':
        format = option === 'CSV' ? 'csv' : 'parquet';
        formatGiven = true;
        break;
      case 'HEADER':
        header = true;
        break;
      case 'MANIFEST':
        manifest = 'plain';
        if (reader.peekWord() === 'VERBOSE') {
          reader.word();
          manifest = 'verbose';
        }
        break;
      case 'PARALLEL': {
        const value = reader.peekWord();
        if (value === 'ON' || value === 'TRUE' || value === 'OFF' || value === 'FALSE') {
          reader.word();
          parallel = value === 'ON' || value === 'TRUE';
        }
        break;
      }
      case 'MAXFILESIZE': {
        if (reader.peekWord() === 'AS') reader.word();
        const size = Number(reader.number('MAXFILESIZE'));
        const unit = reader.peekWord();
        const bytes = unit === 'GB' ? size * 1024 * megabyte : size * megabyte;
        if (unit === 'GB' || unit === 'MB') reader.word();
        if (bytes < 5 * megabyte || bytes > defaultMaxFileBytes)
          throw new UnloadSyntaxError('MAXFILESIZE must be between 5 MB and 6.2 GB');
        maxFileBytes = bytes;
        break;
      }
      case 'NULL':
        if (reader.peekWord() === 'AS') reader.word();
        nullAs = reader.literal('the NULL AS string');
        break;
      case 'ALLOWOVERWRITE':
        allowOverwrite = true;
        break;
      case 'CLEANPATH':
        cleanPath = true;
        break;
      case 'EXTENSION':
        extension = reader.literal('the extension');
        break;
      default:
        throw new UnloadSyntaxError(`UNLOAD option ${option} is not supported by the local endpoint`);
    }
  }
  if (iamRole === undefined)
    throw new UnloadSyntaxError(
      "UNLOAD needs an authorization: IAM_ROLE { default | 'arn:aws:iam::<account>:role/<name>' }",
    );
  if (!formatGiven)
    throw new UnloadSyntaxError(
      'UNLOAD without FORMAT writes pipe-delimited text, which the local endpoint does not write: say FORMAT CSV or FORMAT PARQUET',
    );
  if (allowOverwrite && cleanPath)
    throw new UnloadSyntaxError('ALLOWOVERWRITE and CLEANPATH cannot be used together');
  if (format === 'parquet' && (header || nullAs !== undefined))
    throw new UnloadSyntaxError('HEADER and NULL AS cannot be used with FORMAT PARQUET');
  return {
    query,
    to,
    iamRole,
    format,
    header,
    manifest,
    parallel,
    maxFileBytes,
    nullAs,
    allowOverwrite,
    cleanPath,
    extension,
  };
}

/** Tokens of the UNLOAD statement outside its string literals. */
class TokenReader {
  private position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    this.skipSpace();
    return this.position >= this.text.length || this.text.slice(this.position).trim() === ';';
  }

  keyword(expected: string): void {
    const word = this.word();
    if (word !== expected) throw new UnloadSyntaxError(`expected ${expected}, found ${word}`);
  }

  symbol(expected: string): void {
    this.skipSpace();
    if (this.text[this.position] !== expected)
      throw new UnloadSyntaxError(`expected "${expected}" at position ${this.position + 1}`);
    this.position++;
  }

  word(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.position));
    if (match === null)
      throw new UnloadSyntaxError(`expected an UNLOAD option at position ${this.position + 1}`);
    this.position += match[0].length;
    return match[0].toUpperCase();
  }

  peekWord(): string | undefined {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.position));
    return match?.[0].toUpperCase();
  }

  number(what: string): string {
    this.skipSpace();
    const match = /^\d+(\.\d+)?/.exec(this.text.slice(this.position));
    if (match === null) throw new UnloadSyntaxError(`${what} needs a number`);
    this.position += match[0].length;
    return match[0];
  }

  /** A string literal: '' is one quote, and a backslash takes the next character as it is. */
  literal(what: string): string {
    this.skipSpace();
    if (this.text[this.position] !== "'") throw new UnloadSyntaxError(`expected ${what} in single quotes`);
    let value = '';
    let index = this.position + 1;
    for (;;) {
      const char = this.text[index];
      if (char === undefined) throw new UnloadSyntaxError(`${what} is not closed by a quote`);
      if (char === '\\') {
        value += this.text[index + 1] ?? '';
        index += 2;
        continue;
      }
      if (char === "'") {
        if (this.text[index + 1] === "'") {
          value += "'";
          index += 2;
          continue;
        }
        this.position = index + 1;
        return value;
      }
      value += char;
      index++;
    }
  }

  private skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position] ?? '')) this.position++;
  }
}
