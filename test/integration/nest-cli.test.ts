// The Nest CLI builds the monorepo's services (issue 14: `npx nest build --all`, `npx nest build loader`).
// The build runs in a copy of the sources, so the dist/ the other suites start services from is
// never half-written; the copy shares node_modules through a symlink.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const repositoryRoot = join(__dirname, '..', '..');

const nestCliSchema = z.object({
  monorepo: z.literal(true),
  projects: z.record(
    z.object({
      type: z.enum(['application', 'library']),
      root: z.string(),
      sourceRoot: z.string(),
      compilerOptions: z.object({ tsConfigPath: z.string() }).passthrough(),
    }),
  ),
});

const nestCli = nestCliSchema.parse(JSON.parse(readFileSync(join(repositoryRoot, 'nest-cli.json'), 'utf8')));

function directories(parent: string): string[] {
  return readdirSync(join(repositoryRoot, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe('nest-cli.json', () => {
  it('lists every app as an application and every lib as a library, each with its tsconfig', () => {
    const projects = Object.entries(nestCli.projects);
    const named = (type: 'application' | 'library'): string[] =>
      projects
        .filter(([, project]) => project.type === type)
        .map(([name]) => name)
        .sort();
    expect(named('application')).toEqual(directories('apps'));
    expect(named('library')).toEqual(directories('libs'));
    for (const [, project] of projects) {
      expect(existsSync(join(repositoryRoot, project.sourceRoot))).toBe(true);
      expect(existsSync(join(repositoryRoot, project.compilerOptions.tsConfigPath))).toBe(true);
    }
  });

  describe('npx nest build --all, in a copy of the repository', () => {
    let copy: string;

    beforeAll(() => {
      copy = mkdtempSync(join(tmpdir(), 'qupersync-nest-build-'));
      for (const entry of [
        'apps',
        'libs',
        'nest-cli.json',
        'package.json',
        'tsconfig.json',
        'tsconfig.build.json',
      ])
        cpSync(join(repositoryRoot, entry), join(copy, entry), { recursive: true });
      symlinkSync(join(repositoryRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');
      execFileSync(
        process.execPath,
        [join(repositoryRoot, 'node_modules', '.bin', 'nest'), 'build', '--all'],
        {
          cwd: copy,
          stdio: 'pipe',
        },
      );
    }, 300_000);

    afterAll(() => {
      if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
    });

    it('emits mains that need no tsconfig-paths and carries the topic schemas beside the contracts', () => {
      for (const app of directories('apps')) {
        const main = join(copy, 'dist', 'apps', app, 'src', 'main.js');
        expect(readFileSync(main, 'utf8')).not.toMatch(/require\("@qupersync\//);
      }
      expect(
        existsSync(
          join(copy, 'dist', 'libs', 'contracts', 'src', 'topics', 'batch-event-v1', 'batch-event.avsc'),
        ),
      ).toBe(true);
    });

    it.each(directories('apps'))('%s starts as far as its configuration: every module resolves', (app) => {
      const started = spawnSync(process.execPath, [join(copy, 'dist', 'apps', app, 'src', 'main.js')], {
        cwd: copy,
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const output = `${started.stdout}${started.stderr}`;
      expect(started.status).not.toBe(0);
      expect(output).not.toMatch(/Cannot find module/);
      expect(output).toMatch(/invalid environment/);
    });
  });
});
