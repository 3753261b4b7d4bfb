import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// The README's worked example, run as a newcomer runs it: `yibao serve` on an empty database
// loads the default demo, then the command the README shows runs against it, and what it prints
// must be the block the README shows after that command, line for line.

const ROOT = path.resolve(import.meta.dirname, '..');
const COMMAND_PREFIX = 'node --import tsx demo/cross-province-settlement.ts';

/** The command of the worked example and the output block that follows it in README.md. */
function readmeExample(readme: string): { command: string; output: string } {
  const blocks = [...readme.matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.replace(/\n$/, ''));
  const i = blocks.findIndex((b) => b.trim().startsWith(COMMAND_PREFIX));
  if (i < 0 || i + 1 >= blocks.length) throw new Error(`README.md: no fenced block with "${COMMAND_PREFIX}" followed by its output`);
  return { command: blocks[i]!.trim(), output: blocks[i + 1]! };
}

let db: TestDatabase | undefined;
let server: ChildProcess | undefined;
let dataDir: string | undefined;
after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await db?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the README worked example prints, on a fresh demo, exactly what the README shows', { timeout: 300_000 }, async () => {
  const { command, output } = readmeExample(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  assert.match(command, /^node --import tsx demo\/cross-province-settlement\.ts http:\/\/localhost:8080$/);

  db = await freshDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-readme-'));
  const port = await freePort();
  // The defaults of `npm start` (the demo's size among them); only where it listens, the
  // database and the data folder differ, and one HTTP worker spares the test machine's cores.
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', YIBAO_DATA_DIR: dataDir, YIBAO_WORKERS: '1' };
  delete env.YIBAO_DEMO_PERSONS;
  delete env.YIBAO_EXTRA_POOLING_REGIONS;
  server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`the platform did not start:\n${log}`)), 240_000);
    server!.stdout!.on('data', (b: Buffer) => {
      log += b.toString();
      if (log.includes('ready on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server!.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    server!.on('exit', (code) => reject(new Error(`the platform exited with ${code}:\n${log}`)));
  });

  const args = command.replace('http://localhost:8080', `http://127.0.0.1:${port}`).split(' ').slice(1);
  const example = await run(args, { ...process.env });
  assert.equal(example.code, 0, `the example failed: ${example.stderr}`);
  assert.equal(example.stdout.replace(/\n$/, ''), output, 'README.md shows what the example prints on a fresh demo');
});
