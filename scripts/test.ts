// `npm test`: type-check, start one real PostgreSQL for the whole run (embedded, or the server
// in DATABASE_URL), build a template database with every migration, then run every
// *.test.ts with Node's test runner. Each test file clones the template into its own database.
//   npm test                      all tests
//   npm test -- src/engine        only test files under these paths
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/store/embedded.ts';
import { createPool, ensureDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { TEMPLATE_DB } from '../test/support/db.ts';

const root = path.resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2).map((p) => path.resolve(p));

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = ['src', 'test', 'bench']
  .map((d) => path.join(root, d))
  .filter((d) => fs.existsSync(d))
  .flatMap((d) => findTests(d))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

console.log('# type-checking (tsc --noEmit)…');
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root, '--noEmit'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
console.log('# type-checking the web pages (tsc -p web)…');
const tscWeb = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'web'), '--noEmit'], { stdio: 'inherit' });
if (tscWeb.status !== 0) process.exit(tscWeb.status ?? 1);

// Browser tests drive the built pages: build them once for the whole run.
if (files.some((f) => f.includes(`${path.sep}test${path.sep}browser${path.sep}`))) {
  console.log('# building the web pages (vite build web)…');
  const vite = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', path.join(root, 'web'), '--logLevel', 'warn'], { stdio: 'inherit' });
  if (vite.status !== 0) process.exit(vite.status ?? 1);
}

let embedded: EmbeddedServer | undefined;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  const pgDir = path.join(root, '.yibao-test', 'pg');
  fs.rmSync(path.dirname(pgDir), { recursive: true, force: true });
  console.log('# starting embedded PostgreSQL for the tests…');
  embedded = await startEmbeddedPostgres(pgDir, { fastUnsafe: true, notice: (line) => console.log(`# ${line}`) });
  adminUrl = embedded.url('postgres');
}

const stop = async (): Promise<void> => {
  if (embedded) await embedded.stop().catch(() => undefined);
};
process.on('SIGINT', () => void stop().then(() => process.exit(130)));

let code = 1;
try {
  const admin = createPool(adminUrl, 2);
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.end();
  await ensureDatabase(adminUrl, TEMPLATE_DB);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = '/' + TEMPLATE_DB;
  const pool = createPool(templateUrl.toString(), 2);
  await migrate(pool);
  await pool.end();

  const concurrency = process.env.TEST_CONCURRENCY ?? '2';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
    { stdio: 'inherit', env: { ...process.env, YIBAO_TEST_ADMIN_URL: adminUrl } },
  );
  code = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  await stop();
}
process.exit(code);
