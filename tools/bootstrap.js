#!/usr/bin/env node
// Makes a fresh clone runnable, then runs a command: `node tools/bootstrap.js <stack|demo|bench|test> [args]`.
// Plain CommonJS without dependencies, because it runs before node_modules exists:
//   1. npm ci when node_modules is missing or older than package-lock.json;
//   2. an incremental tsc build into dist/, plus the non-TypeScript assets (Avro schemas) tsc skips;
//   3. a check for Java 17+, Maven (only until the Kafka jars are cached) and PostgreSQL's server programs;
//   4. the command itself, with the tsconfig-paths environment the compiled tools need.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const commands = {
  stack: 'dist/tools/stack/stack.cli.js',
  demo: 'dist/tools/demo/demo.cli.js',
  bench: 'dist/tools/bench/bench.cli.js',
  test: null, // jest, below
  build: null, // install and build only (npm run build, the Dockerfile)
};

function fail(message) {
  process.stderr.write(`\n[bootstrap] ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

/** Runs a command with inherited stdio; exits with its code when it fails (unless `optional`). */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error && !options.optional) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0 && !options.optional) process.exit(result.status === null ? 1 : result.status);
  return result;
}

function capture(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? `${result.stdout}${result.stderr}` : null;
}

function installDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log('installing dependencies (npm ci) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, ['ci', '--no-audit', '--no-fund']);
}

function build() {
  log('building (tsc, incremental) ...');
  run(process.execPath, [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  // tsc copies only .ts output; code that reads files beside itself (e.g. *.avsc) needs them in dist too.
  for (const top of ['apps', 'libs']) copyAssets(path.join(root, top), path.join(root, 'dist', top));
}

function copyAssets(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') copyAssets(source, target);
    } else if (!/\.(ts|md)$/.test(entry.name)) {
      if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(source).mtimeMs) continue;
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function javaMajor(java) {
  const output = capture(java, ['-version']);
  const match = output && /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return 0;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function findJava() {
  const candidates = [];
  if (process.env.JAVA_HOME) candidates.push(path.join(process.env.JAVA_HOME, 'bin', 'java'));
  candidates.push('java');
  if (fs.existsSync('/usr/lib/jvm'))
    for (const jvm of fs.readdirSync('/usr/lib/jvm'))
      candidates.push(path.join('/usr/lib/jvm', jvm, 'bin', 'java'));
  return candidates.find((java) => javaMajor(java) >= 17);
}

function hasPostgres() {
  const dirs = [];
  const bindir = capture('pg_config', ['--bindir']);
  if (bindir) dirs.push(bindir.trim());
  if (fs.existsSync('/usr/lib/postgresql'))
    for (const major of fs.readdirSync('/usr/lib/postgresql'))
      dirs.push(path.join('/usr/lib/postgresql', major, 'bin'));
  dirs.push(...(process.env.PATH || '').split(path.delimiter));
  return dirs.some(
    (dir) =>
      dir && ['initdb', 'pg_ctl', 'postgres'].every((program) => fs.existsSync(path.join(dir, program))),
  );
}

function kafkaJarsCached() {
  const pom = fs.readFileSync(path.join(root, 'tools', 'stack', 'kafka', 'pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)</.exec(pom)[1].trim();
  const libs = path.join(root, '.qupersync', 'cache', `kafka-${version}`, 'libs');
  return fs.existsSync(libs) && fs.readdirSync(libs).some((file) => file.startsWith('kafka_2.13-'));
}

function aptInstall(packages) {
  log(`installing ${packages.join(' ')} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env });
}

/** Debian's Chromium, which the console's browser test drives (playwright-core, no bundled browser). */
function findChromium() {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((candidate) => fs.existsSync(candidate));
}

/**
 * The local stack's programs (and, for tests, Chromium). Missing ones are installed with apt as
 * root, else named with the command to run.
 */
function checkPrerequisites(command) {
  const missing = [];
  if (command === 'test' && !findChromium())
    missing.push({ what: "Chromium (the web console's browser test)", apt: 'chromium' });
  if (!findJava()) missing.push({ what: 'Java 17 or newer (for Kafka)', apt: 'openjdk-17-jre-headless' });
  if (!kafkaJarsCached() && !capture('mvn', ['-v']))
    missing.push({ what: 'Maven (fetches the Kafka jars once)', apt: 'maven' });
  if (!hasPostgres())
    missing.push({ what: 'PostgreSQL server programs (initdb, pg_ctl)', apt: 'postgresql' });
  if (missing.length === 0) return;
  const packages = missing.map((item) => item.apt);
  if (isRoot && capture('apt-get', ['--version'])) {
    aptInstall(packages);
    return;
  }
  fail(
    `missing: ${missing.map((item) => item.what).join('; ')}.\n` +
      `Install with: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\n` +
      '(or set KAFKA_BROKERS and DATABASE_URL to use servers you already run, for tests)',
  );
}

function toolEnvironment(extra = {}) {
  return {
    ...process.env,
    TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
    TS_NODE_BASEURL: path.join(root, 'dist'),
    ...extra,
  };
}

function runTests(args) {
  // Tests stay quiet when they pass: the AWS SDK's notice that its 2027 releases need Node 22
  // is for the product's README (engines), not for every test that builds a client.
  const env = toolEnvironment({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const jestArgs = [];
  for (const arg of args) {
    // `npm run test:chaos` passes --chaos; jest rejects unknown flags, so it becomes an env switch.
    if (arg === '--chaos') env.QUPERSYNC_CHAOS = '1';
    else jestArgs.push(arg);
  }
  // Two cores, and the integration/e2e suites share one Kafka and one PostgreSQL: in band is
  // faster than workers fighting over them, and keeps topic and database state predictable.
  if (!jestArgs.some((arg) => /^(-i|--runInBand|-w|--maxWorkers)(=|$)/.test(arg)))
    jestArgs.unshift('--runInBand');
  run(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...jestArgs], { env });
}

function main() {
  const [command, ...args] = process.argv.slice(2);
  if (!command || !(command in commands))
    fail(`usage: node tools/bootstrap.js <${Object.keys(commands).join('|')}> [args]`);
  installDependencies();
  build();
  if (command === 'build') return;
  const externalServers = command === 'test' && process.env.KAFKA_BROKERS && process.env.DATABASE_URL;
  if (!externalServers) checkPrerequisites(command);
  if (command === 'test') return runTests(args);
  const script = path.join(root, commands[command]);
  if (!fs.existsSync(script))
    fail(`${path.relative(root, script)} does not exist after the build: is tools/${command} written yet?`);
  run(process.execPath, ['-r', 'tsconfig-paths/register', script, ...args], { env: toolEnvironment() });
}

main();
