import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobCatalog } from './job-catalog';
import { loadJobsFile } from './jobs-file.loader';

function jobsFile(jobs: Array<{ name: string; batchSize: number }>): string {
  return [
    'jobs:',
    ...jobs.flatMap((job) => [
      `  - name: ${job.name}`,
      `    source: { table: public.${job.name} }`,
      `    target: { table: public.${job.name} }`,
      '    primary_key: [id]',
      `    batch_size: ${job.batchSize}`,
    ]),
  ].join('\n');
}

describe('JobCatalog', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'job-catalog-')), 'jobs.yaml');

  it('reloads the file, reports what changed, and keeps older versions for runs that began under them', () => {
    writeFileSync(
      path,
      jobsFile([
        { name: 'orders', batchSize: 100 },
        { name: 'gone', batchSize: 1 },
      ]),
    );
    const catalog = new JobCatalog(loadJobsFile(path), path);
    const before = catalog.find('orders');
    if (before === undefined) throw new Error('orders missing');
    const oldVersion = catalog.versionOf(before);

    writeFileSync(
      path,
      jobsFile([
        { name: 'orders', batchSize: 200 },
        { name: 'fresh', batchSize: 5 },
      ]),
    );
    expect(catalog.reload()).toEqual({
      added: ['fresh'],
      removed: ['gone'],
      changed: ['orders'],
      unchanged: [],
    });
    expect(catalog.find('orders')?.batchSize).toBe(200);
    expect(catalog.find('gone')).toBeUndefined();
    expect(catalog.lastKnown('gone')?.batchSize).toBe(1);
    // A run that began under the old version is handled with it; no version means the current one.
    expect(catalog.resolve('orders', oldVersion)?.batchSize).toBe(100);
    expect(catalog.resolve('orders', null)?.batchSize).toBe(200);
    expect(catalog.resolve('orders', 'ffffffffffffffff')).toBeUndefined();
  });

  it('reads the file again for a version it has not seen, and changes nothing on a broken file', () => {
    writeFileSync(path, jobsFile([{ name: 'orders', batchSize: 100 }]));
    const catalog = new JobCatalog(loadJobsFile(path), path);
    writeFileSync(path, jobsFile([{ name: 'orders', batchSize: 300 }]));
    const ahead = new JobCatalog(loadJobsFile(path));
    const newer = ahead.find('orders');
    if (newer === undefined) throw new Error('orders missing');
    expect(catalog.resolve('orders', ahead.versionOf(newer))?.batchSize).toBe(300);

    writeFileSync(path, jobsFile([{ name: 'orders', batchSize: 0 }]));
    expect(() => catalog.reload()).toThrow(/field batch_size/);
    expect(catalog.find('orders')?.batchSize).toBe(300);
  });

  it('runs the service’s own checks before a reloaded file replaces the jobs', () => {
    writeFileSync(path, jobsFile([{ name: 'orders', batchSize: 100 }]));
    const catalog = new JobCatalog(loadJobsFile(path), path, (jobs) => {
      if (jobs.some((job) => job.batchSize > 1_000)) throw new Error('too large for this service');
    });
    writeFileSync(path, jobsFile([{ name: 'orders', batchSize: 5_000 }]));
    expect(() => catalog.reload()).toThrow(/too large for this service/);
    expect(catalog.find('orders')?.batchSize).toBe(100);
  });
});
