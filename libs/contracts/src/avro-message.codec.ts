// Encodes and decodes the fixed-schema control messages. The .avsc file beside each topic's
// type is the contract; decoding checks both the Avro structure and the values (zod), so a
// well-formed message with nonsense values is rejected as clearly as undecodable bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from 'avsc';
import { z } from 'zod';
import { QuperSyncError } from './quper-sync.error';

export class AvroMessageCodec<Message> {
  readonly schema: unknown;
  private readonly type: Type;
  /** Readers of messages written with earlier revisions of the schema (fields added since, with defaults). */
  private readonly resolvers: ReturnType<Type['createResolver']>[];

  constructor(
    readonly schemaPath: string,
    private readonly validator: z.ZodType<Message, z.ZodTypeDef, unknown>,
    previousSchemaPaths: readonly string[] = [],
  ) {
    this.schema = readSchema(schemaPath);
    this.type = Type.forSchema(this.schema as Parameters<typeof Type.forSchema>[0]);
    this.resolvers = previousSchemaPaths.map((path) =>
      this.type.createResolver(Type.forSchema(readSchema(path) as Parameters<typeof Type.forSchema>[0])),
    );
  }

  encode(message: Message): Buffer {
    const checked = this.validator.parse(message);
    return this.type.toBuffer(checked);
  }

  decode(buffer: Buffer | null): Message {
    if (buffer === null || buffer.length === 0) {
      throw new QuperSyncError('MESSAGE_UNDECODABLE', 'permanent', `empty message for ${this.schemaPath}`);
    }
    let decoded: unknown;
    try {
      decoded = this.decodeAnyRevision(buffer);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new QuperSyncError(
        'MESSAGE_UNDECODABLE',
        'permanent',
        `not a ${this.schemaPath} message: ${reason}`,
      );
    }
    const result = this.validator.safeParse(decoded);
    if (!result.success) {
      const problems = result.error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ');
      throw new QuperSyncError(
        'MESSAGE_INVALID',
        'permanent',
        `invalid ${this.schemaPath} message: ${problems}`,
      );
    }
    return result.data;
  }

  /** The current revision first; then each earlier one (its bytes are shorter, so never ambiguous). */
  private decodeAnyRevision(buffer: Buffer): unknown {
    try {
      return this.type.fromBuffer(buffer);
    } catch (error) {
      for (const resolver of this.resolvers) {
        try {
          return this.type.fromBuffer(buffer, resolver);
        } catch {
          // Not this revision either.
        }
      }
      throw error;
    }
  }
}

function readSchema(schemaPath: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, 'topics', schemaPath), 'utf8')) as unknown;
}
