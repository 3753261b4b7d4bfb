import { useMutation } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { post, yuan } from '../api.ts';
import { formatYuan, yuanToFen } from '../../../src/engine/money.ts';
import { invalid } from '../../../src/engine/errors.ts';
import { usePrefs } from '../i18n.tsx';
import { Card, Empty, ErrorBox, Field } from '../ui.tsx';
import type { PaymentChange, PaymentRulesSummary, PaymentSimulation } from '../types.ts';

// The payment page's policy simulator (docs/payment.md, "Pages and routes"): the region's year of
// priced cases paid again under other base rates, a weights scale, other hospital coefficients or,
// under DIP, another point value (POST …/simulate, which stores nothing). The fields are typed in
// yuan, percent and decimals and read digit by digit into fen and basis points — never through a
// float — so an amount finer than a fen is refused on the page instead of rounded.

type Tr = (zh: string, en: string) => string;
type Side = PaymentSimulation['totals']['before'];

const LEVEL = (lv: string, tr: Tr): string => ({ '3': tr('三级', 'level 3'), '2': tr('二级', 'level 2'), '1': tr('一级', 'level 1') })[lv] ?? lv;
const INSUTYPE = (t: string, tr: Tr): string => ({ '310': tr('职工', 'employees'), '390': tr('居民', 'residents') })[t] ?? t;
/** Fen with its sign, "+1,234.50" or "−1,234.50": a difference reads as a rise or a fall. */
const delta = (fen: number): string => (fen > 0 ? `+${yuan(fen)}` : fen < 0 ? `−${yuan(-fen)}` : yuan(0));
const signed = (fen: number): string => (fen < 0 ? `−${yuan(-fen)}` : yuan(fen));

/** "110" or "110.5" percent → basis points (11000, 11050), between 10% and 500%. */
export function percentToBp(text: string, field: string): number {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  const v = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
  if (!m || v < 1000 || v > 50000) throw invalid(field, '应为 10 至 500 之间的百分数，最多两位小数', `expected a percentage from 10 to 500 with at most two decimals, got ${JSON.stringify(text)}`);
  return v;
}

/** "1.05" → 10500: a coefficient with at most four decimals, above 0 and at most 3. */
export function decimalToBp(text: string, field: string): number {
  const m = /^(\d)(?:\.(\d{1,4}))?$/.exec(text.trim());
  const v = m ? Number(m[1]) * 10000 + Number((m[2] ?? '').padEnd(4, '0')) : NaN;
  if (!m || v < 1 || v > 30000) throw invalid(field, '应为大于 0、不超过 3 的系数，最多四位小数', `expected a coefficient above 0 and at most 3 with at most four decimals, got ${JSON.stringify(text)}`);
  return v;
}

const e4Text = (bp: number): string => `${Math.floor(bp / 10000)}.${String(bp % 10000).padStart(4, '0')}`;

export function Simulator({ admdvs, year, rules, hospitalName }: { admdvs: string; year: number; rules: PaymentRulesSummary; hospitalName: (code: string) => string }): ReactNode {
  const { tr } = usePrefs();
  const dip = rules.method === 'dip';
  const [rates, setRates] = useState<Record<string, string>>(() => Object.fromEntries(Object.entries(rules.base_rate_fen_by_insutype).map(([t, f]) => [t, formatYuan(f)])));
  const [scale, setScale] = useState('100');
  const [coefs, setCoefs] = useState<Record<string, string>>(() => Object.fromEntries(Object.entries(rules.hospital_coefficient_bp_by_level).map(([lv, bp]) => [lv, e4Text(bp)])));
  const [point, setPoint] = useState(rules.point_value_fen !== null ? formatYuan(rules.point_value_fen) : '');
  const run = useMutation({
    mutationFn: () => {
      // Read every field before anything is sent: a refused one shows in the error box.
      const change: PaymentChange = { hospital_coefficient_bp_by_level: Object.fromEntries(Object.entries(coefs).map(([lv, v]) => [lv, decimalToBp(v, `hospital_coefficient_bp_by_level.${lv}`)])) };
      if (dip) {
        if (point.trim() !== '') change.point_value_fen = yuanToFen(point, 'point_value_fen', { min: 1, max: 100_000_000 });
      } else {
        change.base_rate_fen_by_insutype = Object.fromEntries(Object.entries(rates).map(([t, v]) => [t, yuanToFen(v, `base_rate_fen_by_insutype.${t}`, { min: 1, max: 100_000_000 })]));
        change.weights_scale_bp = percentToBp(scale, 'weights_scale_bp');
      }
      return post<PaymentSimulation>(`/api/v1/payment/regions/${admdvs}/years/${year}/simulate`, change);
    },
  });
  const r = run.data;
  return (
    <Card title={tr('政策模拟', 'Simulator')}>
      <p className="hint">{tr('用另一套基准费率、权重、医院系数或点值重新计算本年度已定价的病例，比较前后；不保存任何数据。', 'Pays the year\'s priced cases again under other base rates, weights, hospital coefficients or point value and compares before and after; nothing is stored.')}</p>
      <form className="row filters" aria-label={tr('模拟参数', 'Simulation inputs')} data-testid="simulator" onSubmit={(e) => { e.preventDefault(); run.mutate(); }}>
        {!dip && Object.keys(rates).map((t) => (
          <Field key={t} label={tr(`基准费率（${INSUTYPE(t, tr)}，元/权重）`, `Base rate (${INSUTYPE(t, tr)}, yuan per unit weight)`)}>
            {(id) => <input id={id} inputMode="decimal" data-testid={`sim-base-rate-${t}`} value={rates[t]} onChange={(e) => setRates({ ...rates, [t]: e.target.value })} />}
          </Field>
        ))}
        {!dip && (
          <Field label={tr('权重缩放（%）', 'Weights scale (%)')} hint={tr('100 为不变', '100 leaves them as they are')}>
            {(id, hint) => <input id={id} aria-describedby={hint} inputMode="decimal" data-testid="sim-weights-scale" value={scale} onChange={(e) => setScale(e.target.value)} />}
          </Field>
        )}
        {dip && (
          <Field label={tr('点值（元/分）', 'Point value (yuan per point)')} hint={tr('留空则按预算确定', 'empty: set from the budget')}>
            {(id, hint) => <input id={id} aria-describedby={hint} inputMode="decimal" data-testid="sim-point-value" value={point} onChange={(e) => setPoint(e.target.value)} />}
          </Field>
        )}
        {Object.keys(coefs).map((lv) => (
          <Field key={lv} label={tr(`${LEVEL(lv, tr)}医院系数`, `Coefficient, ${LEVEL(lv, tr)}`)}>
            {(id) => <input id={id} inputMode="decimal" data-testid={`sim-coefficient-${lv}`} value={coefs[lv]} onChange={(e) => setCoefs({ ...coefs, [lv]: e.target.value })} />}
          </Field>
        ))}
        <div className="field"><button type="submit" disabled={run.isPending}>{run.isPending ? tr('正在模拟…', 'Simulating…') : tr('模拟', 'Simulate')}</button></div>
      </form>
      {run.isError && <ErrorBox error={run.error} />}
      {r && <SimulationResult r={r} hospitalName={hospitalName} />}
    </Card>
  );
}

const byDifference = <T extends { difference: Side }>(rows: T[]): T[] =>
  [...rows].sort((a, b) => Math.abs(b.difference.hospital_payment_fen) - Math.abs(a.difference.hospital_payment_fen));

function SimulationResult({ r, hospitalName }: { r: PaymentSimulation; hospitalName: (code: string) => string }): ReactNode {
  const { tr } = usePrefs();
  const t = r.totals;
  const tone = (fen: number): string => `num ${fen < 0 ? 'bad' : ''}`;
  const groups = byDifference(r.groups).slice(0, 20);
  const cases = r.changed_cases.slice(0, 20);
  const head = (first: string): ReactNode => (
    <thead><tr>
      <th scope="col">{first}</th><th scope="col" className="num">{tr('病例数', 'Cases')}</th>
      <th scope="col" className="num">{tr('模拟前（元）', 'Before (yuan)')}</th><th scope="col" className="num">{tr('模拟后（元）', 'After (yuan)')}</th>
      <th scope="col" className="num">{tr('差额（元）', 'Difference (yuan)')}</th><th scope="col" className="num">{tr('结余变化（元）', 'Surplus change (yuan)')}</th>
    </tr></thead>
  );
  return (
    <div data-testid="simulation">
      <h3>{tr('合计：基金应付医院', 'Totals: the fund\'s payment to hospitals')}</h3>
      <dl className="totals" data-testid="sim-totals">
        <div><dt>{tr('病例数', 'Cases')}</dt><dd>{t.after.cases}</dd></div>
        <div><dt>{tr('模拟前（元）', 'Before (yuan)')}</dt><dd data-testid="sim-before">{signed(t.before.hospital_payment_fen)}</dd></div>
        <div><dt>{tr('模拟后（元）', 'After (yuan)')}</dt><dd data-testid="sim-after">{signed(t.after.hospital_payment_fen)}</dd></div>
        <div><dt>{tr('差额（元）', 'Difference (yuan)')}</dt><dd data-testid="sim-difference" data-fen={t.difference.hospital_payment_fen}>{delta(t.difference.hospital_payment_fen)}</dd></div>
        <div><dt>{tr('DRG/DIP 支付差额（元）', 'DRG/DIP payment difference (yuan)')}</dt><dd>{delta(t.difference.payment_fen)}</dd></div>
        <div><dt>{tr('医院结余变化（元）', 'Hospitals\' surplus change (yuan)')}</dt><dd>{delta(t.difference.surplus_fen)}</dd></div>
        {r.after.point_value_fen !== null && (
          <div><dt>{tr('点值（元/分）', 'Point value (yuan per point)')}</dt><dd>{r.before.point_value_fen !== null ? yuan(r.before.point_value_fen) : '—'} → {yuan(r.after.point_value_fen)}</dd></div>
        )}
      </dl>
      <h3>{tr('各医院（差额最大的在前）', 'Per hospital (largest difference first)')}</h3>
      <div className="scroll">
        <table data-testid="sim-hospitals">
          {head(tr('医院', 'Hospital'))}
          <tbody>
            {byDifference(r.hospitals).map((h) => (
              <tr key={h.code} data-testid="sim-hospital" data-code={h.code} data-difference={h.difference.hospital_payment_fen}>
                <td>{hospitalName(h.code)}<br /><small className="muted">{h.code}</small></td><td className="num">{h.after.cases}</td>
                <td className="num">{signed(h.before.hospital_payment_fen)}</td><td className="num">{signed(h.after.hospital_payment_fen)}</td>
                <td className={tone(h.difference.hospital_payment_fen)}>{delta(h.difference.hospital_payment_fen)}</td><td className={tone(h.difference.surplus_fen)}>{delta(h.difference.surplus_fen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>{tr(`各病组（差额最大的 ${groups.length} 个，共 ${r.groups.length} 个）`, `Per group (the ${groups.length} largest differences of ${r.groups.length})`)}</h3>
      <div className="scroll">
        <table data-testid="sim-groups">
          {head(tr('病组', 'Group'))}
          <tbody>
            {groups.map((g) => (
              <tr key={g.group} data-testid="sim-group" data-code={g.group}>
                <td className="code">{g.group}</td><td className="num">{g.after.cases}</td>
                <td className="num">{signed(g.before.hospital_payment_fen)}</td><td className="num">{signed(g.after.hospital_payment_fen)}</td>
                <td className={tone(g.difference.hospital_payment_fen)}>{delta(g.difference.hospital_payment_fen)}</td><td className={tone(g.difference.surplus_fen)}>{delta(g.difference.surplus_fen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>{tr('变化最大的病例', 'The cases that changed most')}</h3>
      {cases.length === 0 ? <Empty>{tr('没有病例的支付发生变化。', 'No case is paid differently.')}</Empty> : (
        <div className="scroll">
          <table data-testid="sim-cases">
            <thead><tr>
              <th scope="col">{tr('结算号', 'Settlement')}</th><th scope="col">{tr('医院', 'Hospital')}</th>
              <th scope="col" className="num">{tr('模拟前（元）', 'Before (yuan)')}</th><th scope="col" className="num">{tr('模拟后（元）', 'After (yuan)')}</th><th scope="col" className="num">{tr('差额（元）', 'Difference (yuan)')}</th>
            </tr></thead>
            <tbody>
              {cases.map((c) => (
                <tr key={c.id} data-testid="sim-case" data-setl={c.id}>
                  <td className="code">{c.id}</td><td>{hospitalName(c.hospital_code)}</td>
                  <td className="num">{signed(c.before_fen)}</td><td className="num">{signed(c.after_fen)}</td><td className={tone(c.difference_fen)}>{delta(c.difference_fen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
