import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../src/cli/database.ts';
import { readConfig } from '../src/server/config.ts';
import { freePort, startEmbeddedPostgres } from '../src/store/embedded.ts';

// Starting the embedded PostgreSQL the way `yibao serve` does. As root it runs as the postgres
// user, who cannot enter a 0700 folder such as a root's home or a `mktemp -d` checkout.

const asRoot = process.getuid?.() === 0;
const notRoot = 'runs only as root: PostgreSQL runs as the postgres user only when started by root';

test('as root, the embedded PostgreSQL starts with its data folder inside a 0700 folder', { skip: asRoot ? false : notRoot }, async () => {
  const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-closed-'));
  assert.equal(fs.statSync(closed).mode & 0o777, 0o700);
  const lines: string[] = [];
  try {
    const db = await openDatabase(readConfig({ YIBAO_DATA_DIR: path.join(closed, 'checkout', '.yibao') }), (line) => lines.push(line));
    try {
      const { rows } = await db.pool.query<{ who: string; db: string; n: number }>(
        'SELECT current_user AS who, current_database() AS db, (SELECT count(*)::int FROM audit_log) AS n',
      );
      assert.deepEqual(rows, [{ who: 'postgres', db: 'yibao', n: 0 }]);
    } finally {
      await db.close();
    }
    // The one change made to the machine is said, and only the closed folder was opened.
    assert.ok(lines.includes(`chmod o+x ${closed}: the embedded PostgreSQL runs as the postgres user, who must pass through it (enter, not list) to reach ${path.join(closed, 'checkout', '.yibao')}`), lines.join('\n'));
    assert.equal(lines.filter((l) => l.startsWith('chmod ')).length, 1, lines.join('\n'));
    assert.equal(fs.statSync(closed).mode & 0o777, 0o701);
    assert.ok(lines.some((l) => /^embedded PostgreSQL ready: psql postgres:\/\/postgres:yibao@127\.0\.0\.1:\d+\/yibao$/.test(l)), lines.join('\n'));
  } finally {
    fs.rmSync(closed, { recursive: true, force: true });
  }
});

test('as root, a folder that cannot be opened for the postgres user stops the start with one clear sentence', { skip: asRoot ? false : notRoot }, async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-ro-'));
  const readOnly = path.join(base, 'ro');
  fs.mkdirSync(readOnly);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=700', 'tmpfs', readOnly], { stdio: 'ignore' });
  } catch {
    fs.rmSync(base, { recursive: true, force: true });
    t.skip('needs a read-only folder: mounting a tmpfs is not permitted here');
    return;
  }
  try {
    fs.mkdirSync(path.join(readOnly, 'data'));
    execFileSync('mount', ['-o', 'remount,ro', readOnly]);
    await assert.rejects(startEmbeddedPostgres(path.join(readOnly, 'data', 'pg'), { notice: () => undefined }), (err: Error) => {
      assert.equal(
        err.message,
        `嵌入式 PostgreSQL 以 postgres 用户运行，该用户进不了 ${readOnly}，也无法为它开放（EROFS）：请把项目和 YIBAO_DATA_DIR 放到该用户能进入的目录（如 /srv 下），或设置 DATABASE_URL 使用外部 PostgreSQL` +
          ` / the embedded PostgreSQL runs as the postgres user, who cannot pass through ${readOnly}, and it could not be opened (EROFS): put the checkout and YIBAO_DATA_DIR in folders that user can reach (e.g. under /srv), or set DATABASE_URL to an external PostgreSQL`,
      );
      return true;
    });
  } finally {
    execFileSync('umount', [readOnly]);
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a PostgreSQL that exits at start stops it with one clear sentence naming why', async () => {
  const port = await freePort();
  const taken = net.createServer().listen(port, '127.0.0.1');
  await once(taken, 'listening');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-port-'));
  fs.chmodSync(dir, 0o755); // only the port stands in the way
  try {
    await assert.rejects(startEmbeddedPostgres(path.join(dir, 'pg'), { port, fastUnsafe: true, notice: () => undefined }), (err: unknown) => {
      assert.ok(err instanceof Error, `rejected with ${String(err)}`);
      assert.match(err.message, /^嵌入式 PostgreSQL（.*）未能启动：.*TCP\/IP.* \/ the embedded PostgreSQL \(.*\) did not start: .*TCP\/IP.*; fix that and retry, or set DATABASE_URL to an external PostgreSQL$/);
      return true;
    });
  } finally {
    taken.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
