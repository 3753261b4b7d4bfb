import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chsDrgFiles, compileScheme, parseChsDrg11 } from './scheme.ts';
import { groupCase, type DrgCase } from './group.ts';

// The grouper on the real CHS-DRG 1.1 tables (catalogs/drg/chs-drg-1.1). Each expected group was
// read off the tables by hand; the comment names the lines that decide it.

const dir = path.resolve(import.meta.dirname, '../../../catalogs/drg/chs-drg-1.1');
const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
const scheme = parseChsDrg11(chsDrgFiles(read, fs.readdirSync(path.join(dir, 'MDC'))), { version: 1, source: 'test' });
const s = compileScheme(scheme);
const base: Omit<DrgCase, 'id' | 'diagnoses'> = { gend: '1', age: 65, los_days: 8, procedures: [] };
const group = (c: Partial<DrgCase> & { diagnoses: string[] }) => groupCase(s, { id: 'case', ...base, ...c });
const text = (g: ReturnType<typeof group>, lang: 'zh' | 'en' = 'zh') => g.explanation.map((e) => e[lang]).join(' / ');

test('the tables read whole: 26 MDC, 376 ADRG, 628 DRG, CC and MCC with their exclusion tables', () => {
  assert.equal(scheme.mdcs.length, 26);
  assert.equal(scheme.adrgs.length, 376);
  assert.equal(scheme.drgs.length, 628);
  assert.ok(Object.keys(scheme.mcc).length > 4000 && Object.keys(scheme.cc).length > 15000);
  for (const t of [...Object.values(scheme.mcc), ...Object.values(scheme.cc)]) if (t) assert.ok(scheme.exclusions[t], `table ${t} exists`);
  assert.equal(scheme.mcc['J96.900'], '7-109'); // 5_MCC.txt: J96.900 未特指的呼吸衰竭 表 7-109
  assert.equal(scheme.trauma_regions.length, 9);
  // JSON round trip: the document the registry stores compiles to the same grouper.
  const again = compileScheme(JSON.parse(JSON.stringify(scheme)));
  assert.equal(groupCase(again, { id: 'x', ...base, diagnoses: ['I63.900'] }).drg, 'BR25');
});

test('medical cases by principal diagnosis, the level by secondary diagnoses', () => {
  // MDCB 主诊表 holds I63.900; BR2 脑缺血性疾患 lists it; BR2 divides 1/5 (3_DRG.txt BR21, BR25).
  const stroke = group({ diagnoses: ['I63.900', 'I10.x00'] });
  assert.deepEqual([stroke.mdc, stroke.adrg, stroke.drg, stroke.status], ['MDCB', 'BR2', 'BR25', 'grouped']);
  // J96.900 is an MCC (表 7-109), and I63.900 is not in 表 7-109: BR21.
  assert.equal(group({ diagnoses: ['I63.900', 'J96.900'] }).drg, 'BR21');
  // I60.000 is an MCC whose exclusion table 7-96 holds I63.900: it does not count.
  const excluded = group({ diagnoses: ['I63.900', 'I60.000'] });
  assert.equal(excluded.drg, 'BR25');
  assert.deepEqual(excluded.cc, [{ code: 'I60.000', level: 'MCC', counted: false, excludedBy: '表 7-96' }]);
  assert.match(text(excluded, 'en'), /I60\.000 \(MCC\) does not count: the principal diagnosis I63\.900 is in its exclusion 表 7-96/);
  // ES3 divides 1/3/5: pneumonia alone ES35, with respiratory failure (MCC) ES31.
  assert.equal(group({ diagnoses: ['J18.900'] }).drg, 'ES35');
  assert.equal(group({ diagnoses: ['J18.900', 'J96.900'] }).drg, 'ES31');
  // KS1 糖尿病 divides 1/5 nationally: a CC (E87.600) does not divide it.
  assert.equal(group({ diagnoses: ['E11.900', 'E87.600'] }).drg, 'KS15');
});

test('surgical cases by the main procedure; a procedure the MDC has no surgery for is QY', () => {
  // GD2 阑尾切除术 lists 47.0100 (4_ADRG_DETAIL.txt, MDCG).
  const app = group({ diagnoses: ['K35.800x001'], procedures: ['47.0100'] });
  assert.deepEqual([app.mdc, app.adrg, app.drg], ['MDCG', 'GD2', 'GD25']);
  assert.match(text(app), /主要手术 47\.0100 → ADRG GD2/);
  assert.equal(group({ diagnoses: ['H25.900'], procedures: ['13.7100x001'] }).drg, 'CB39'); // CB3 晶体手术, undivided
  assert.equal(group({ diagnoses: ['I25.103'], procedures: ['36.0601'] }).drg, 'FM19'); // FM1 经皮冠状动脉支架植入
  assert.equal(group({ diagnoses: ['S72.000'], procedures: ['81.5100'] }).drg, 'IC29'); // IC2 关节置换
  // A hip replacement during a stroke stay: MDCB has no surgery with 81.5100.
  const qy = group({ diagnoses: ['I63.900'], procedures: ['81.5100'] });
  assert.deepEqual([qy.mdc, qy.adrg, qy.drg, qy.status], ['MDCB', null, 'BQY', 'ungroupable']);
  assert.match(qy.reason!, /81\.5100 fits none of MDCB's surgical groups/);
  // A non-theatre procedure (chemotherapy injection) does not make a surgical case: ER1 by diagnosis.
  assert.equal(group({ diagnoses: ['C34.900x001'], procedures: ['99.2503'] }).drg, 'ER15');
  // An admission for chemotherapy (Z51.103, MDCR) enters RE1; the lung cancer beside it is a CC.
  assert.equal(group({ diagnoses: ['Z51.103', 'C34.900x001'], procedures: ['99.2503'] }).drg, 'RE13');
});

test('pre-MDC: transplants, ECMO and ventilation of 96 hours or more come first', () => {
  const heart = group({ diagnoses: ['I42.000'], procedures: ['37.5100'] });
  assert.deepEqual([heart.mdc, heart.drg], ['MDCA', 'AA19']);
  assert.equal(group({ diagnoses: ['I21.000'], procedures: ['39.6500'] }).drg, 'AH15'); // 39.6500 ECMO in AH1
  const vent = group({ diagnoses: ['J18.900'], vent_hours: 120 });
  assert.equal(vent.drg, 'AH15');
  assert.match(text(vent, 'en'), /invasive ventilation for 120 hours/);
  assert.equal(group({ diagnoses: ['J18.900'], vent_hours: 95 }).drg, 'ES35');
});

test('newborns by age in days and birth weight', () => {
  const nb = (w: number) => group({ age: 0, age_days: 3, birth_weight_g: w, diagnoses: ['P07.300x001'] }).drg;
  // PS1-PS4 take the prematurity codes among any diagnosis; the names give the weight bands.
  assert.equal(nb(1200), 'PS15');
  assert.equal(nb(1800), 'PS25');
  assert.equal(nb(2200), 'PS39');
  assert.equal(nb(3100), 'PS45');
  const older = group({ age: 0, age_days: 40, birth_weight_g: 3100, diagnoses: ['J18.900'] });
  assert.equal(older.mdc, 'MDCE', 'a 40-day-old with pneumonia is not a newborn case');
});

test('pregnancy, sex, HIV and multiple trauma', () => {
  // OR1 阴道分娩 takes the outcome of delivery Z37.000 beside the delivery O80.000.
  assert.equal(group({ gend: '2', age: 28, diagnoses: ['O80.000', 'Z37.000'] }).drg, 'OR19');
  const male = group({ gend: '1', age: 28, diagnoses: ['O80.000'] });
  assert.equal(male.drg, '0000');
  assert.match(male.reason!, /does not fit the patient's sex/);
  assert.equal(group({ gend: '2', diagnoses: ['N40.x00'] }).drg, '0000'); // MDCM only
  assert.equal(group({ diagnoses: ['B20.001'] }).mdc, 'MDCY');
  // Injuries of the head, the chest and a leg (three MDCZ regions): ZZ1, the chest injury an MCC.
  const trauma = group({ diagnoses: ['S06.500', 'S27.100', 'S72.000'] });
  assert.deepEqual([trauma.mdc, trauma.adrg, trauma.drg], ['MDCZ', 'ZZ1', 'ZZ11']);
  // One region only: the femur fracture stays in MDCI.
  assert.equal(group({ diagnoses: ['S72.000'] }).drg, 'IR29');
});

test('a principal an ADRG lists but its MDC table misses goes to that ADRG', () => {
  // S02.100 (颅底骨折) is in BB1 脑创伤开颅术's list (4_ADRG_DETAIL.txt, MDCB) but in no MDC/*.dat.
  assert.equal(scheme.mdcs.some((m) => m.principal.includes('S02.100')), false);
  assert.equal(group({ diagnoses: ['S02.100'] }).mdc, 'MDCB');
});

test('ungroupable: a principal diagnosis no MDC takes is 0000 with the reason', () => {
  const g = group({ diagnoses: ['W19.x00'] });
  assert.deepEqual([g.mdc, g.drg, g.status], [null, '0000', 'ungroupable']);
  assert.match(g.reason!, /W19\.x00 is in no MDC's principal table/);
  assert.equal(group({ diagnoses: [] }).drg, '0000');
});

test('the same case twice gives the same group; explanation off gives the same group; every DRG is in 3_DRG.txt', () => {
  const drgs = new Set(scheme.drgs.map((d) => d.code));
  let n = 0;
  for (const m of scheme.mdcs) {
    for (const principal of m.principal.filter((_, i) => i % 97 === 0)) {
      for (const procedures of [[], ['47.0100'], ['36.0601'], ['81.5100']]) {
        const c = { diagnoses: [principal, 'J96.900'], procedures, gend: (n % 2 === 0 ? '1' : '2') as '1' | '2' };
        const a = group(c);
        const b = group(c);
        const quiet = groupCase(s, { id: 'case', ...base, ...c }, { explain: false });
        assert.deepEqual(a, b);
        assert.equal(quiet.drg, a.drg);
        assert.equal(quiet.explanation.length, 0);
        assert.ok(a.status === 'ungroupable' ? a.drg === '0000' || /^[A-Z]QY$/.test(a.drg) : drgs.has(a.drg), `${principal} ${procedures} → ${a.drg}`);
        n += 1;
      }
    }
  }
  assert.ok(n > 1000, `${n} cases`);
});
