// Where the local stack lives on disk. Everything it writes sits under <repo>/.qupersync
// (git-ignored), so `rm -rf .qupersync` is always a safe reset.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root, found by walking up to package.json: this file runs both from source
 * (jest) and from dist/tools/stack (compiled), so a fixed number of ".." would be wrong.
 */
export function findRepositoryRoot(start: string = __dirname): string {
  let directory = start;
  for (;;) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${start}`);
    directory = parent;
  }
}

export const repositoryRoot = findRepositoryRoot();
export const stateRoot = path.join(repositoryRoot, '.qupersync');
/** Downloaded artifacts are shared by the dev stack and the test stack. */
export const cacheRoot = path.join(stateRoot, 'cache');
export const defaultStackDirectory = stateRoot;
export const testStackDirectory = path.join(stateRoot, 'test-stack');
