import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { makeIdCard } from '../src/engine/idcard.ts';
import { personCookie, staffCookie } from './support/auth.ts';
import { insertCoopBase, insertPerson } from './support/coop-rows.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// Issue 11: a fuzz of the REST API's cookies, headers and bodies. Whatever a client sends, to
// whichever route (the API, the gateway, the web pages, unknown paths), the answer is never a
// 5xx: a client's mistake is a 4xx naming what is wrong, or the request is simply answered.

let db: TestDatabase;
let app: FastifyInstance;
let webDir: string;
let cookies: string[];
let routes: { method: string; path: string }[];
let known: Record<string, string>;

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  const jj = await insertPerson(db.pool, '360402', { name: '九江参保人' });
  const certno = makeIdCard('360402', '1956-01-01', 11);
  await db.pool.query('UPDATE persons SET certno = $2 WHERE psn_no = $1', [jj.psn_no, certno]);
  known = { certno, psn_no: jj.psn_no, admdvs: '360400', list_admdvs: '360400', code: '360402' };
  // A tiny set of web pages, so the static files and the pages' fallback are fuzzed too.
  webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-fuzz-web-'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>yibao</title>');
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'assets', 'app.js'), 'console.log(1)');
  app = await buildApp({ pool: db.pool, now: () => new Date('2026-03-02T02:00:00Z'), webDir });
  cookies = [
    await staffCookie(db.pool, { username: 'fuzz.admin', role: 'admin', regions: ['000000'] }),
    await staffCookie(db.pool, { username: 'fuzz.clerk', role: 'clerk', regions: ['360400'] }),
    await personCookie(db.pool, jj.psn_no),
  ];
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(spec.paths)
    .filter(([p]) => !p.endsWith('/auth/sign-out') && !p.endsWith('/auth/sign-out-everywhere')) // would end the fuzz's own sessions
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: p })));
});
after(async () => {
  await app?.close();
  await db?.drop();
  fs.rmSync(webDir, { recursive: true, force: true });
});

// What HTTP allows in a header value (Node refuses the rest before sending).
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\t', '%', ';', '=', '"', ',', '\\', '\u00e9', '\u00ff'),
);
const headerValue = fc.string({ unit: headerChar, maxLength: 60 });
const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), minLength: 1, maxLength: 12 });
/** Text a client might put anywhere: percent signs, quotes, unicode, control-free. */
const nasty = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 8 }).map((t) => `${t}\u0000`), // PostgreSQL's text cannot hold NUL
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '../../etc/passwd', '__proto__', 'constructor', '-1', '1e400', '9'.repeat(40), 'NaN', ' ', '\u0000', 'a\u0000b', '\ud800', '𝔘'),
);
/** A string field of a body: sometimes well-formed, often not. */
const bodyText = fc.oneof(nasty, fc.constantFrom('360400', '2026-03-02', 'temporary_other', 'approve', 'person'));

const cookieHeader = (good: string[]) =>
  fc.oneof(
    fc.constant(undefined),
    { arbitrary: fc.constantFrom(...good), weight: 5 }, // signed in, so the request reaches the routes' own code
    headerValue.map((v) => `yibao_session=${v}`),
    fc.tuple(fc.constantFrom(...good), headerValue).map(([g, v]) => `${v}; ${g}; yibao_session=${v}`),
    headerValue,
  );

const contentType = fc.oneof(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'application/json;;;', 'application/*'),
  headerValue,
);

const jsonValue = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.constantFrom('{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {}}}', '[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]', '{"a":1e400}', '{"psn_no":{"$ne":null}}', 'null', '"x"', '{'),
);

/** A path segment; a lone surrogate has no UTF-8, so it goes as the bytes a client would send. */
const segment = (v: string): string => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};

const request = () =>
  fc.record({
    route: fc.constantFrom(...routes),
    method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), { freq: 3 }),
    extraPath: fc.option(fc.constantFrom('/x', '/', '/..%2f..', '.json', '/%', '//'), { freq: 4 }),
    // The i-th path parameter: a hostile value, or (null) one the database knows.
    segments: fc.array(fc.option(nasty), { minLength: 3, maxLength: 3 }),
    query: fc.oneof(
      fc.dictionary(fc.oneof(token, fc.constantFrom('psn_no', 'certno', 'limit', 'offset', 'as_of', 'day', 'from', 'to', 'lat', 'lng', 'level', 'region', '__proto__')), nasty, { maxKeys: 4 }).map((d) => new URLSearchParams(d).toString()),
      fc.constantFrom('%', 'a=%zz', 'psn_no=1&psn_no=2', 'limit[]=1', '=', '&&&', 'a=%E0%A4%A', 'psn_no=%00', 'certno=a%00', 'insuplc_admdvs=%00'),
    ),
    cookie: cookieHeader(cookies),
    contentType: fc.option(contentType, { freq: 2 }),
    headers: fc.dictionary(fc.oneof(token, fc.constantFrom('accept', 'accept-encoding', 'accept-language', 'if-none-match', 'if-modified-since', 'range', 'origin', 'x-forwarded-for', 'x-forwarded-proto', 'authorization', 'content-encoding', 'transfer-encoding', 'expect')), headerValue, { maxKeys: 3 }),
    body: fc.option(
      fc.oneof(
        jsonValue,
        fc.string({ maxLength: 50 }),
        fc.dictionary(
          fc.constantFrom('psn_no', 'certno', 'insuplc_admdvs', 'admdvs', 'mdtrtarea_admdvs', 'kind', 'begndate', 'decision', 'reason', 'year', 'amount_fen', 'payer', 'username', 'password', 'code', 'filer', 'evidence', '__proto__'),
          fc.oneof(bodyText, fc.jsonValue({ maxDepth: 2 })),
        ).map((d) => JSON.stringify(d)),
      ),
      { freq: 4 },
    ),
  });

test('property: arbitrary cookies, headers, bodies, paths and queries never answer 5xx', async () => {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(request(), async (r) => {
      let i = 0;
      const url = r.route.path.replace(/\{(\w+)\}/g, (_, name: string) => segment(r.segments[i++] ?? known[name] ?? 'x')) + (r.extraPath ?? '');
      const headers: Record<string, string> = { ...r.headers };
      // A body's framing is the transport's business (inject computes it); the fuzz keeps them out.
      delete headers['content-length'];
      delete headers['transfer-encoding'];
      if (r.cookie !== undefined) headers.cookie = r.cookie;
      if (r.contentType !== null) headers['content-type'] = r.contentType;
      const method = r.method ?? r.route.method;
      const res = await app.inject({ method: method as 'GET', url: `${url}?${r.query}`, headers, ...(r.body !== null && method !== 'GET' && method !== 'HEAD' ? { payload: r.body } : {}) });
      sent++;
      assert.ok(res.statusCode < 500, `${method} ${url}?${r.query} ${JSON.stringify(headers)} ${r.body ?? ''} → ${res.statusCode} ${res.body.slice(0, 300)}`);
    }),
    { numRuns: 600 },
  );
  assert.equal(sent, 600);
});

test('the gateway, health and unknown paths with hostile headers and bodies never answer 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/fsi/api/rsfComIfsService/callService', '/healthz', '/openapi.json', '/', '/index.html', '/assets/app.js', '/assets/none.js', '/portal/home', '/api/v2/x', '/%', '/..%2f..%2fpackage.json'),
      fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'OPTIONS'),
      cookieHeader(cookies),
      fc.option(contentType, { freq: 2 }),
      fc.dictionary(fc.constantFrom('range', 'if-none-match', 'if-modified-since', 'accept-encoding', 'accept'), headerValue, { maxKeys: 3 }),
      fc.option(fc.oneof(jsonValue, fc.string({ maxLength: 50 })), { freq: 3 }),
      async (url, method, cookie, type, extra, body) => {
        const headers: Record<string, string> = { ...extra };
        if (cookie !== undefined) headers.cookie = cookie;
        if (type !== null) headers['content-type'] = type;
        const res = await app.inject({ method: method as 'GET', url, headers, ...(body !== null && method !== 'GET' && method !== 'HEAD' ? { payload: body } : {}) });
        assert.ok(res.statusCode < 500, `${method} ${url} ${JSON.stringify(headers)} ${body ?? ''} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      },
    ),
    { numRuns: 200 },
  );
});

test('a NUL character in a path, query or body is refused naming the field, not a 500 from PostgreSQL', async () => {
  const [admin] = cookies;
  const cases: [string, string, object | undefined, string][] = [
    ['GET', '/api/v1/filings/F%00', undefined, 'filing_no'],
    ['GET', '/api/v1/institutions/%00', undefined, 'fixmedins_code'],
    ['GET', `/api/v1/filings?psn_no=${known.psn_no}%00`, undefined, 'psn_no'],
    ['GET', '/api/v1/institutions?hosp_lv=%00', undefined, 'hosp_lv'],
    ['POST', '/api/v1/filings', { psn_no: known.psn_no, kind: 'temporary_other', mdtrtarea_admdvs: '110100\u0000', begndate: '2026-03-02' }, 'mdtrtarea_admdvs'],
    ['POST', '/api/v1/filings', { psn_no: known.psn_no, evidence: [{ kind: 'x', ref: 'a\u0000' }] }, 'evidence.0.ref'],
    ['POST', '/api/v1/auth/staff', { username: 'a\u0000', password: 'x' }, 'username'],
    ['POST', '/api/v1/auth/code', { certno: 'a\u0000' }, 'certno'],
  ];
  const filings = async () => (await db.pool.query('SELECT count(*)::int AS n FROM filings')).rows[0].n as number;
  const before = await filings();
  for (const [method, url, payload, field] of cases) {
    const res = await app.inject({ method: method as 'GET', url, headers: { cookie: admin! }, ...(payload ? { payload } : {}) });
    assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body}`);
    assert.equal(res.json().details[0].field, field, `${method} ${url}`);
    assert.match(res.json().message, /空字符.*NUL/);
  }
  assert.equal(await filings(), before, 'nothing written');
});

test('what the fuzz found: an impossible calendar day or year and a huge message id are a 400 naming the field', async () => {
  const [admin, , person] = cookies;
  const cases: [string, string, string, string][] = [
    ['DELETE', '/api/v1/calendars/360400/days/x', admin!, 'day'],
    ['DELETE', '/api/v1/calendars/360400/days/2026-02-30', admin!, 'day'],
    ['GET', '/api/v1/calendars/360400/0000', admin!, 'year'],
    ['POST', `/api/v1/inbox/${known.psn_no}/99999999999999999999/read`, person!, 'id'],
  ];
  for (const [method, url, cookie, field] of cases) {
    const res = await app.inject({ method: method as 'GET', url, headers: { cookie } });
    assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body}`);
    assert.equal(res.json().details[0].field, field, `${method} ${url}`);
  }
});

test('over real HTTP on loopback: raw hostile requests never answer 5xx', async () => {
  const server = await buildApp({ pool: db.pool, now: () => new Date('2026-03-02T02:00:00Z'), webDir });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as { port: number };
  const [admin] = cookies;
  /** Sends raw bytes and reads the status of the answer (undefined: no answer at all). */
  const raw = (text: string): Promise<number | undefined> =>
    new Promise((resolve, reject) => {
      // Written, not ended: the server closes after its answer (Connection: close) or a parse error.
      const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
      socket.setTimeout(3000, () => socket.destroy());
      let got = '';
      socket.on('data', (d) => (got += d.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(got) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(got)![1]) : undefined));
    });
  const head = (line: string, headers: string[] = [], body = '') =>
    `${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;
  try {
    const requests = [
      head('GET /api/v1/persons/%E0%A4%A HTTP/1.1', [`Cookie: ${admin}`]),
      head('GET /api/v1/filings?psn_no=%E0%A4%A HTTP/1.1', [`Cookie: ${admin}`]),
      head('GET /api/v1/filings?psn_no=% HTTP/1.1', [`Cookie: ${admin}`]),
      head('GET /healthz HTTP/1.1', ['Cookie: yibao_session=%']),
      head('GET /api/v1/auth/me HTTP/1.1', ['Cookie: yibao_session=%; yibao_session=%zz']),
      head('GET /api/v1/auth/me HTTP/1.1', [`Cookie: ${'a'.repeat(6000)}`]),
      head('POST /api/v1/filings HTTP/1.1', [`Cookie: ${admin}`, 'Content-Type: application/json'], '{"psn_no":'),
      head('POST /api/v1/filings HTTP/1.1', [`Cookie: ${admin}`, 'Content-Type: application/json; charset=utf-16'], '{}'),
      head('POST /api/v1/filings HTTP/1.1', [`Cookie: ${admin}`, 'Content-Type: application/json', 'Content-Encoding: gzip'], '{}'),
      head('POST /api/v1/filings HTTP/1.1', [`Cookie: ${admin}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked'], 'zz\r\n{}\r\n0\r\n\r\n'),
      head('POST /fsi/api/rsfComIfsService/callService HTTP/1.1', ['Content-Type: application/json'], '{"infno":'),
      head('GET /..%2f..%2fpackage.json HTTP/1.1'),
      head('GET /assets/%00.js HTTP/1.1'),
      head('GET /assets/app.js HTTP/1.1', ['Range: bytes=99999-', 'If-None-Match: "x"']),
      head('GET /api/v1/regions HTTP/1.1', [`Cookie: ${admin}`, 'Accept-Encoding: gzip;q=abc, br;q=-1']),
      'GET /api/v1/regions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      'BREW /api/v1/regions HTTP/1.1\r\nHost: x\r\n\r\n',
      '\u0000\u0001\u0002 garbage\r\n\r\n',
    ];
    for (const text of requests) {
      const status = await raw(text);
      assert.ok(status !== undefined && status < 500, `${JSON.stringify(text.slice(0, 120))} → ${status}`);
    }
  } finally {
    await server.close();
  }
});
