// The manifest UNLOAD writes with MANIFEST [VERBOSE]: the files it wrote, their sizes and (verbose)
// record counts. The extractor reads files only through it, so a stray object under the prefix is
// never taken for data, and it checks every file's record count against the rows it parsed.
import { z } from 'zod';

/** A file's (or, at the top, all files') bytes and, with VERBOSE, records. */
const sizesSchema = z
  .object({
    content_length: z.number().int().min(0).optional(),
    record_count: z.number().int().min(0).optional(),
  })
  .passthrough()
  .optional();

const manifestSchema = z.object({
  entries: z.array(
    z.object({
      url: z.string().startsWith('s3://'),
      meta: sizesSchema,
    }),
  ),
  meta: sizesSchema,
});

export interface UnloadManifestEntry {
  readonly url: string;
  readonly contentLength: number | undefined;
  readonly recordCount: number | undefined;
}

export interface UnloadManifest {
  readonly entries: readonly UnloadManifestEntry[];
  readonly recordCount: number | undefined;
}

export class UnloadManifestError extends Error {}

export function parseUnloadManifest(text: string): UnloadManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UnloadManifestError(`the UNLOAD manifest is not JSON: ${String(error)}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw new UnloadManifestError(`the UNLOAD manifest is not as UNLOAD writes it: ${parsed.error.message}`);
  return {
    entries: parsed.data.entries.map((entry) => ({
      url: entry.url,
      contentLength: entry.meta?.content_length,
      recordCount: entry.meta?.record_count,
    })),
    recordCount: parsed.data.meta?.record_count,
  };
}

/** The manifest as Redshift writes it (MANIFEST VERBOSE adds record counts and the totals). */
export function formatUnloadManifest(entries: readonly UnloadManifestEntry[], verbose: boolean): string {
  const total = (pick: (entry: UnloadManifestEntry) => number | undefined): number =>
    entries.reduce((sum, entry) => sum + (pick(entry) ?? 0), 0);
  return JSON.stringify({
    entries: entries.map((entry) => ({
      url: entry.url,
      meta: {
        content_length: entry.contentLength ?? 0,
        ...(verbose ? { record_count: entry.recordCount ?? 0 } : {}),
      },
    })),
    ...(verbose
      ? {
          meta: {
            content_length: total((entry) => entry.contentLength),
            record_count: total((entry) => entry.recordCount),
          },
          author: { name: 'Amazon Redshift', version: '1.0.0' },
        }
      : {}),
  });
}
