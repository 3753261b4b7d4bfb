import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { HOSPITAL, NOW, PHARMACY, RESIDENT, envelope, ok, post, seedRegistry, signInAs } from './support/gateway-world.ts';
import { lines } from './support/settlement-world.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// docs/grafana-dashboard.json (docs/operations.md "Metrics and tracing"): every metric a panel
// queries is one /metrics really exposes, with the labels the panel selects and groups by; and
// a message shed by admission control shows in the refusals counter the "shed" panel reads.

const ROOT = path.resolve(import.meta.dirname, '..');
const DASHBOARD = path.join(ROOT, 'docs/grafana-dashboard.json');
const TOKEN = 'dashboard-token-for-the-test-01';
let db: TestDatabase;
let app: FastifyInstance;

before(async () => {
  db = await freshDatabase();
  await seedRegistry(db.pool);
  await seedSettlementDocuments(db.pool);
  app = await buildApp({ pool: db.pool, now: () => NOW, metricsToken: TOKEN });
});
after(async () => {
  await app?.close();
  await db?.drop();
});

async function scrapeText(target: FastifyInstance): Promise<string> {
  const res = await target.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

/** The families of a scrape (from # HELP and # TYPE lines), with their type and the label names seen on their samples. */
interface Family { type: string; help: boolean; labels: Set<string> }
function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  const of = (name: string): Family => out.get(name) ?? (out.set(name, { type: '', help: false, labels: new Set() }), out.get(name)!);
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'HELP') of(meta[2]!).help = true;
      else of(meta[2]!).type = meta[3]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample) continue;
    const name = sample[1]!;
    const family = out.get(name) ?? out.get(name.replace(/_(bucket|sum|count)$/, ''));
    for (const l of (sample[2] ?? '').matchAll(/([a-zA-Z_]+)="/g)) family?.labels.add(l[1]!);
  }
  return out;
}

interface Datasource { type?: string; uid?: string }
interface Panel { id: number; title: string; type: string; datasource?: Datasource; targets?: Array<{ refId?: string; expr?: string; datasource?: Datasource }> }
interface Dashboard { title: string; schemaVersion: number; __inputs: Array<{ name: string; type: string; pluginId: string }>; panels: Panel[] }

interface Target { panel: string; expr: string }
function targets(dashboard: Dashboard): Target[] {
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));
}

/**
 * What is wrong with the dashboard's queries against one scrape: a metric no family answers
 * (a histogram's _bucket/_sum/_count are read as its family), a label a selector names that the
 * family's samples never carry, a `by (...)` label none of the expression's families carry.
 */
function problems(dashboard: Dashboard, fams: Map<string, Family>): string[] {
  const found: string[] = [];
  for (const { panel, expr } of targets(dashboard)) {
    if (!expr.trim()) found.push(`${panel}: a target without expr`);
    let depth = 0;
    for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
      depth += c === '(' ? 1 : c === ')' ? -1 : 0;
      if (depth < 0) break;
    }
    if (depth !== 0) found.push(`${panel}: unbalanced parentheses in ${expr}`);
    const used: Family[] = [];
    for (const m of expr.matchAll(/(yibao_[a-z0-9_]+)(\{[^}]*\})?/g)) {
      const name = m[1]!;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const family = fams.get(name)?.type ? fams.get(name) : base !== name && fams.get(base)?.type === 'histogram' ? fams.get(base) : undefined;
      if (!family || !family.help) {
        found.push(`${panel}: ${name} is no metric family of /metrics`);
        continue;
      }
      used.push(family);
      const known = new Set([...family.labels, ...(name.endsWith('_bucket') ? ['le'] : [])]);
      for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]+)\s*(=~|!~|!=|=)/g)) {
        if (family.labels.size > 0 && !known.has(l[1]!)) found.push(`${panel}: ${name} has no label ${l[1]}`);
      }
    }
    if (!/yibao_[a-z0-9_]+/.test(expr) && expr.trim()) found.push(`${panel}: no yibao metric in ${expr}`);
    for (const m of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
      for (const label of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) {
        const ok = label === 'le' ? expr.includes('_bucket') : used.some((f) => f.labels.has(label));
        if (!ok) found.push(`${panel}: by (${label}) is no label of its metrics`);
      }
    }
  }
  return found;
}

const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;

test('the dashboard is a Grafana dashboard with a Prometheus datasource input', () => {
  assert.equal(typeof dashboard.title, 'string');
  assert.ok(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41, `schemaVersion ${dashboard.schemaVersion}`);
  assert.deepEqual(dashboard.__inputs.map((i) => [i.name, i.type, i.pluginId]), [['DS_PROMETHEUS', 'datasource', 'prometheus']]);
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
    assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', p.title);
    assert.ok(p.targets && p.targets.length > 0, `${p.title} has targets`);
    for (const t of p.targets) assert.equal(t.datasource?.uid, '${DS_PROMETHEUS}', `${p.title} ${t.refId}`);
  }
});

test('every metric the dashboard queries is exposed by /metrics after real traffic, with the labels it uses', async () => {
  // Gateway traffic: a settled outpatient visit (settlements, fund pay, group commit) and a refusal.
  const sign = await signInAs(app);
  const call = (infno: string, input: unknown) => post(app, envelope(infno, input, { sign_no: sign }));
  const visit = ok(await call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, ipt_otp_no: 'MZ-DASH', dept_code: '01', dept_name: '内科', caty: 'A03' } }));
  const mdtrtId = visit.data.mdtrt_id as string;
  ok(await call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  ok(await call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } }));
  assert.equal((await call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } })).body.infcode, -1);
  // REST and a job run.
  const admin = await staffCookie(db.pool, { username: 'dashboard.admin', role: 'admin', regions: ['000000'] });
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/regions/430200', headers: { cookie: admin } })).statusCode, 200);
  const run = await app.inject({ method: 'POST', url: '/api/v1/clearing/runs', headers: { cookie: admin }, payload: { month: '2026-03', dry_run: true } });
  assert.equal(run.statusCode, 200, run.body);

  const fams = families(await scrapeText(app));
  const used = targets(dashboard);
  assert.ok(used.length >= 15, `targets: ${used.length}`);
  assert.deepEqual(problems(dashboard, fams), []);
  // The queries docs/operations.md shows pass the same check.
  const operations = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const shown = [...operations.matchAll(/```promql\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')).filter((l) => l.trim() && !l.startsWith('#'));
  assert.ok(shown.length >= 6, `queries in docs/operations.md: ${shown.length}`);
  assert.deepEqual(problems({ ...dashboard, panels: [{ id: 0, title: 'docs/operations.md', type: 'timeseries', targets: shown.map((expr) => ({ expr })) }] }, fams), []);

  // The panels the brief names are all there.
  const exprs = used.map((t) => t.expr).join('\n');
  for (const name of ['yibao_gateway_messages_total', 'yibao_gateway_message_duration_seconds_bucket', 'yibao_refusals_total', 'yibao_settlements_total', 'yibao_settlement_fund_pay_fen_total', 'yibao_group_commit_units', 'yibao_db_pool_waiting', 'yibao_db_pool_idle', 'yibao_http_request_duration_seconds_bucket', 'yibao_job_runs_total', 'yibao_job_duration_seconds']) {
    assert.ok(exprs.includes(name), `the dashboard queries ${name}`);
  }
  for (const q of ['0.50', '0.95', '0.99']) assert.ok(exprs.includes(`histogram_quantile(${q}, sum by (le) (rate(yibao_gateway_message_duration_seconds_bucket`), `gateway p${q.slice(2)}`);
  assert.match(exprs, /yibao_refusals_total\{source="gateway", kind="unavailable", field=~"gateway\|fixmedins_code"\}/, 'the shed panel');

  // The check is not vacuous: a misspelt metric, a label no family has, are caught.
  // (Each doctoring changes the first query that holds the text, and only that one.)
  const doctored = (from: string, to: string): typeof dashboard => {
    const copy = JSON.parse(JSON.stringify(dashboard)) as typeof dashboard;
    const target = copy.panels.flatMap((p) => p.targets ?? []).find((t) => t.expr?.includes(from));
    assert.ok(target, `a query holds ${from}`);
    target.expr = target.expr!.replace(from, to);
    return copy;
  };
  const misspelt = problems(doctored('yibao_gateway_messages_total', 'yibao_gateway_message_total'), fams);
  assert.equal(misspelt[0], 'Gateway messages/s by infno: yibao_gateway_message_total is no metric family of /metrics', misspelt.join('\n'));
  assert.equal(problems(doctored('yibao_db_pool_waiting', 'yibao_db_pool_wating'), fams).length, 1);
  assert.ok(problems(doctored('yibao_job_runs_total', 'yibao_job_runs'), fams).length >= 1);
  assert.ok(problems(doctored('yibao_gateway_message_duration_seconds_bucket', 'yibao_gateway_message_duration_bucket'), fams).length >= 1);
  assert.equal(problems(doctored('sum by (insuplc_admdvs, kind)', 'sum by (insuplc_admdvs, knd)'), fams).length, 1);
  assert.equal(problems(doctored('kind="unavailable"', 'kinds="unavailable"'), fams).length, 1);
  assert.ok(problems(doctored('yibao_settlements_total', 'yibao_settlements_total_count'), fams).length >= 1, "_count is a histogram's series, not a counter's");
  assert.equal(problems(doctored('sum by (le) (rate(yibao_group_commit_units_bucket', 'sum by (le) (rate(yibao_group_commit_units_bucket)'), fams).length, 1, 'a stray parenthesis');
});

test('a message shed by admission control is counted under the labels the shed panel reads', async () => {
  // One message in flight in the whole process, one per institution: a hospital's concurrent
  // messages meet the per-institution limit (field fixmedins_code), the pharmacy's meanwhile the
  // process limit (field gateway).
  const tiny = await buildApp({ pool: db.pool, now: () => NOW, metricsToken: TOKEN, admission: { total: 1, perInstitution: 1 } });
  try {
    const hospitalSign = await signInAs(tiny);
    const pharmacySign = await signInAs(tiny, PHARMACY);
    const who = (fixmedins_code: string, sign_no: string) => envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, psn_cert_type: '01', certno: RESIDENT.certno } }, { fixmedins_code, sign_no });
    const shedCount = (fams: string, field: string): number => {
      const line = fams.split('\n').find((l) => l.startsWith('yibao_refusals_total{') && l.includes('source="gateway"') && l.includes('kind="unavailable"') && l.includes(`field="${field}"`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await scrapeText(tiny);
    const messages = Array.from({ length: 30 }, (_x, i) => (i % 2 === 0 ? who(HOSPITAL, hospitalSign) : who(PHARMACY, pharmacySign)));
    const answers = await Promise.all(messages.map((m) => post(tiny, m)));
    const byInstitution = answers.filter((a) => a.body.infcode === -1 && /busy: this institution already has 1 messages in flight/.test(a.body.err_msg));
    const byProcess = answers.filter((a) => a.body.infcode === -1 && /the platform is busy; this message was not processed/.test(a.body.err_msg));
    assert.ok(byInstitution.length + byProcess.length > 0, 'some messages were shed');
    for (const a of answers) if (a.body.infcode === -1) assert.match(a.body.err_msg, /繁忙/);
    assert.equal(answers.filter((a) => a.body.infcode === -1).length, byInstitution.length + byProcess.length, 'every -1 is a shed message');
    assert.ok(answers.some((a) => a.body.infcode === 0), 'the one slot kept working');

    const afterwards = await scrapeText(tiny);
    const movedGateway = shedCount(afterwards, 'gateway') - shedCount(before, 'gateway');
    const movedInstitution = shedCount(afterwards, 'fixmedins_code') - shedCount(before, 'fixmedins_code');
    assert.equal(movedGateway, byProcess.length, `field="gateway": ${byProcess.length} shed by the process limit`);
    assert.equal(movedInstitution, byInstitution.length, `field="fixmedins_code": ${byInstitution.length} shed by the institution limit`);
    assert.ok(byProcess.length > 0 && byInstitution.length > 0, `both limits met: ${byProcess.length} by the process, ${byInstitution.length} by the institution`);
    // The first app, with the default limits, shed nothing.
    const main = await scrapeText(app);
    assert.equal(shedCount(main, 'gateway') + shedCount(main, 'fixmedins_code'), 0);
  } finally {
    await tiny.close();
  }
});
