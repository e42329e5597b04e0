#!/usr/bin/env node
// `qupersync` command shim (package.json "bin"): runs the compiled CLI with the tsconfig-paths
// environment that resolves @qupersync/* to dist/, building first when dist has no CLI yet.
// Plain CommonJS so it runs before anything is compiled.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'tools', 'cli', 'qupersync.cli.js');
// Build output goes to stderr so `qupersync ... --json | jq` stays parseable.
const quietStdio = ['ignore', process.stderr, process.stderr];

function fail(message) {
  process.stderr.write(`[qupersync] ${message}\n`);
  process.exit(1);
}

/** npm ci when needed, tsc, and the .avsc schemas tsc does not copy (the codecs read them from dist). */
function build() {
  process.stderr.write('[qupersync] dist/ has no CLI yet: building first ...\n');
  if (!fs.existsSync(path.join(root, 'node_modules', 'typescript'))) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    if (spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: quietStdio }).status !== 0)
      fail('npm ci failed');
  }
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (
    spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: quietStdio })
      .status !== 0
  ) {
    fail('the build failed; run `npm run build` to see why');
  }
  for (const top of ['apps', 'libs']) copySchemas(path.join(root, top), path.join(root, 'dist', top));
}

function copySchemas(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'node_modules')
      copySchemas(path.join(from, entry.name), path.join(to, entry.name));
    else if (entry.isFile() && entry.name.endsWith('.avsc')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
    }
  }
}

if (!fs.existsSync(cli)) build();
if (!fs.existsSync(cli)) fail(`${path.relative(root, cli)} is missing after the build`);

// Resolved from the repository, not the caller's directory: `qupersync` works from anywhere.
let register;
try {
  register = require.resolve('tsconfig-paths/register', { paths: [root] });
} catch {
  fail('tsconfig-paths is not installed: run `npm ci` in the repository');
}
const result = spawnSync(process.execPath, ['-r', register, cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
    TS_NODE_BASEURL: path.join(root, 'dist'),
  },
});
if (result.error) fail(`could not start node: ${result.error.message}`);
process.exit(result.status === null ? 1 : result.status);
