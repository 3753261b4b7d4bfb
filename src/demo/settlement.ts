import fs from 'node:fs';
import path from 'node:path';
import type { CatalogItem } from '../engine/catalog.ts';
import { bpToFraction, fenToYuan } from '../engine/money.ts';
import type { Queryable } from '../store/db.ts';
import { setCertPassword } from '../store/settlement/passwords.ts';
import { loadRegionCatalog } from '../store/shipped-documents.ts';
import type { FixtureInstitution, FixturePersona } from './fixture-rows.ts';
import { projectRoot } from '../store/migrate.ts';

// The settlement part of demo/fixtures.json: per demo pooling region, catalog items of each
// class as that region's catalog classifies them (甲, 乙 with its first self-pay share, 丙, one
// with a price limit), the village clinic and pharmacy to try, and the demo card passwords.

const ROOT = projectRoot();

/** Demo passwords (密码) set on a persona's social security card; settlement within its province asks for it. */
export const DEMO_CARD_PASSWORDS: ReadonlyArray<{ persona: string; password: string }> = [{ persona: 'zhuzhou_employee_with_account', password: '246810' }];

export interface FixtureItem {
  med_list_codg: string;
  name: string;
}

export interface SettlementFixtures {
  catalog_items: Record<string, {
    class_a: FixtureItem;
    class_b: FixtureItem & { selfpay_prop: number };
    class_c: FixtureItem;
    price_limited: FixtureItem & { chrgitm_lv: string; pric_uplmt_amt: number };
  }>;
  village_clinic: { key: string; fixmedins_code: string };
  pharmacy: { key: string; fixmedins_code: string };
  card_passwords: Array<{ persona: string; psn_no: string; mdtrt_cert_type: '03'; mdtrt_cert_no: string; password: string }>;
}

const plain = (i: CatalogItem): boolean => i.restrict === null && !i.separately_paid;

export function settlementFixtures(personas: readonly FixturePersona[], institutions: readonly FixtureInstitution[]): SettlementFixtures {
  const regions = fs.readdirSync(path.join(ROOT, 'catalogs')).filter((f) => /^\d{6}\.json$/.test(f)).map((f) => f.slice(0, 6)).sort();
  const catalog_items: SettlementFixtures['catalog_items'] = {};
  for (const admdvs of regions) {
    const c = loadRegionCatalog(admdvs);
    const items = [...c.items.values()].sort((a, b) => (a.med_list_codg < b.med_list_codg ? -1 : 1));
    const find = (f: (i: CatalogItem) => boolean, what: string): CatalogItem => {
      const i = items.find((x) => plain(x) && f(x));
      if (!i) throw new Error(`catalog ${admdvs} has no ${what}`);
      return i;
    };
    const a = find((i) => i.chrgitm_lv === '01' && i.pric_uplmt_fen === null, '甲 item');
    const b = find((i) => i.chrgitm_lv === '02' && i.pric_uplmt_fen === null, '乙 item');
    const cc = find((i) => i.chrgitm_lv === '03', '丙 item');
    const lim = find((i) => i.pric_uplmt_fen !== null, 'price-limited item');
    catalog_items[admdvs] = {
      class_a: { med_list_codg: a.med_list_codg, name: a.name },
      class_b: { med_list_codg: b.med_list_codg, name: b.name, selfpay_prop: bpToFraction(b.selfpay_prop_bp ?? c.defaults.selfpay_prop_bp[b.list_type]) },
      class_c: { med_list_codg: cc.med_list_codg, name: cc.name },
      price_limited: { med_list_codg: lim.med_list_codg, name: lim.name, chrgitm_lv: lim.chrgitm_lv, pric_uplmt_amt: fenToYuan(lim.pric_uplmt_fen!) },
    };
  }
  const inst = (key: string) => {
    const i = institutions.find((x) => x.key === key);
    if (!i) throw new Error(`no demo institution ${key}`);
    return { key, fixmedins_code: i.fixmedins_code };
  };
  return {
    catalog_items,
    village_clinic: inst('changde_village_clinic'),
    pharmacy: inst('shifeng_pharmacy_1'),
    card_passwords: DEMO_CARD_PASSWORDS.map(({ persona, password }) => {
      const p = personas.find((x) => x.key === persona);
      const card = p?.mdtrt_certs.find((c) => c.mdtrt_cert_type === '03');
      if (!p || !card) throw new Error(`persona ${persona} has no social security card`);
      return { persona, psn_no: p.psn_no, mdtrt_cert_type: '03' as const, mdtrt_cert_no: card.mdtrt_cert_no, password };
    }),
  };
}

/** Sets the demo card passwords in the seeded database. */
export async function applyDemoPasswords(q: Queryable, f: SettlementFixtures): Promise<void> {
  for (const c of f.card_passwords) {
    if (!(await setCertPassword(q, c.psn_no, c.mdtrt_cert_type, c.mdtrt_cert_no, c.password))) throw new Error(`no card ${c.mdtrt_cert_no} for ${c.persona}`);
  }
}
