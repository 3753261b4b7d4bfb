import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import * as echarts from 'echarts/core';
import { EffectScatterChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, AriaComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api, type Me } from '../api.ts';
import type { Coverage as CoverageAnswer, CoverageShare, ServicePoint } from '../api-types.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query } from '../ui.tsx';
import { Chart } from './Dashboard.tsx';

// The 15-minute service circle (15分钟医保服务圈) of a region: its villages covered or not by a
// service point handling the common items within a 15-minute walk, each grid's covered share, the
// gaps and the one new point that would cover most; drawn on a plain longitude/latitude plane
// (no map tiles: the demo's positions are synthetic). A second tab lists and edits the points.

echarts.use([ScatterChart, EffectScatterChart, LineChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

type Tr = (zh: string, en: string) => string;
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const shareColour = (x: number | null): string => (x === null ? '#999' : x >= 0.8 ? '#2e7d32' : x >= 0.5 ? '#f9a825' : '#c62828');

/** A convex hull (Andrew's monotone chain) of a grid's villages, closed, for its outline. */
function hull(points: [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p.length ? [...p, p[0]!] : [];
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) { while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop(); lower.push(q); }
  const upper: [number, number][] = [];
  for (const q of [...p].reverse()) { while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop(); upper.push(q); }
  const h = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  return [...h, h[0]!];
}

function mapOption(c: CoverageAnswer, tr: Tr): echarts.EChartsCoreOption {
  const byCode = new Map(c.villages.map((v) => [v.code, v]));
  const shareOf = new Map(c.grids.map((g) => [g.code, g.share]));
  const placed = c.villages.filter((v) => v.lat !== null && v.lng !== null);
  const lats = [...placed.map((v) => v.lat!), ...c.points.map((p) => p.lat)];
  const lngs = [...placed.map((v) => v.lng!), ...c.points.map((p) => p.lng)];
  const pad = 0.01;
  const size = (pop: number | null) => Math.max(5, Math.min(18, Math.sqrt(pop ?? 400) / 4));
  const outlines = c.grid_villages.map((g) => {
    const pts = g.villages.map((code) => byCode.get(code)).filter((v) => v && v.lat !== null).map((v) => [v!.lng!, v!.lat!] as [number, number]);
    return {
      type: 'line', name: tr('网格', 'Grids'), data: hull(pts), symbol: 'none', silent: true, z: 1,
      lineStyle: { color: shareColour(shareOf.get(g.code) ?? null), width: 2, opacity: 0.8 },
    };
  });
  return {
    grid: { left: 56, right: 24, top: 28, bottom: 76 },
    legend: { bottom: 0, data: [tr('已覆盖的村（社区）', 'Covered villages'), tr('未覆盖的村（社区）', 'Uncovered villages'), tr('服务网点', 'Service points'), tr('建议新增网点', 'Proposed new point')] },
    tooltip: { trigger: 'item', formatter: (p: { data: { name?: string; tip?: string } }) => p.data?.tip ?? p.data?.name ?? '' },
    xAxis: { type: 'value', name: tr('经度', 'lng'), min: Math.min(...lngs) - pad, max: Math.max(...lngs) + pad, axisLabel: { formatter: (v: number) => v.toFixed(2) } },
    yAxis: { type: 'value', name: tr('纬度', 'lat'), min: Math.min(...lats) - pad, max: Math.max(...lats) + pad, axisLabel: { formatter: (v: number) => v.toFixed(2) } },
    series: [
      ...outlines,
      {
        type: 'scatter', name: tr('已覆盖的村（社区）', 'Covered villages'), itemStyle: { color: '#43a047', opacity: 0.75 }, z: 3,
        data: placed.filter((v) => v.covered).map((v) => ({ value: [v.lng, v.lat], symbolSize: size(v.population), tip: `${v.name} · ${v.population ?? '?'}${tr('人', ' people')} · ${v.nearest?.minutes ?? '—'} ${tr('分钟', 'min')}` })),
      },
      {
        type: 'scatter', name: tr('未覆盖的村（社区）', 'Uncovered villages'), itemStyle: { color: '#e53935', opacity: 0.85 }, z: 3,
        data: placed.filter((v) => !v.covered).map((v) => ({ value: [v.lng, v.lat], symbolSize: size(v.population), tip: `${v.name} · ${v.population ?? '?'}${tr('人', ' people')} · ${v.nearest ? `${v.nearest.minutes} ${tr('分钟', 'min')}` : tr('无网点', 'no point')}` })),
      },
      {
        type: 'scatter', name: tr('服务网点', 'Service points'), symbol: 'diamond', symbolSize: 9, z: 4, itemStyle: { color: '#1565c0' },
        data: c.points.map((p) => ({ value: [p.lng, p.lat], tip: `${p.name}${p.counted ? '' : tr('（不计入：未启用或不办理常用事项）', ' (not counted: inactive or not all common items)')}`, itemStyle: { color: p.counted ? '#1565c0' : '#9e9e9e' } })),
      },
      {
        type: 'effectScatter', name: tr('建议新增网点', 'Proposed new point'), symbol: 'pin', symbolSize: 26, itemStyle: { color: '#6a1b9a' }, z: 5,
        data: c.proposal ? [{ value: [c.proposal.lng, c.proposal.lat], tip: tr(`建议在${c.proposal.name}新增网点，可覆盖 ${c.proposal.covers_population} 人`, `A new point at ${c.proposal.name} would cover ${c.proposal.covers_population} people`) }] : [],
      },
    ],
  };
}

function ShareTable({ rows, caption, testid }: { rows: CoverageShare[]; caption: string; testid: string }): ReactNode {
  const { tr } = usePrefs();
  return (
    <div className="scroll">
      <table data-testid={testid}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{tr('名称', 'Name')}</th>
            <th scope="col" className="num">{tr('常住人口', 'Residents')}</th>
            <th scope="col" className="num">{tr('15分钟内', 'Within 15 min')}</th>
            <th scope="col" className="num">{tr('覆盖率', 'Covered')}</th>
            <th scope="col" className="num">{tr('村（社区）', 'Villages')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((g) => (
            <tr key={g.code} data-code={g.code} data-share={g.share ?? ''}>
              <td>{g.name}</td>
              <td className="num">{g.population}</td>
              <td className="num">{g.covered_population}</td>
              <td className="num"><span style={{ color: shareColour(g.share) }}>●</span> {pct(g.share)}</td>
              <td className="num">{g.covered_villages}/{g.villages}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CoverageMap({ admdvs }: { admdvs: string }): ReactNode {
  const { tr } = usePrefs();
  const q = useQuery({ queryKey: ['coverage', admdvs], queryFn: () => api<CoverageAnswer>(`/api/v1/coverage?${new URLSearchParams({ admdvs })}`) });
  return (
    <Query q={q}>
      {(c) => (c.villages.some((v) => v.lat !== null) ? <CoverageView c={c} tr={tr} /> : <Empty>{tr(`${c.name}没有已知位置的村（社区）。`, `${c.name} has no villages with known positions.`)}</Empty>)}
    </Query>
  );
}

function CoverageView({ c, tr }: { c: CoverageAnswer; tr: Tr }): ReactNode {
  const option = useMemo(() => mapOption(c, tr), [c, tr]);
  const gridNames = new Map(c.grid_villages.map((g) => [g.code, g.worker_name]));
  return (
    <>
      <div className="summary" aria-label={tr('覆盖概要', 'Coverage summary')}>
        <div className="stat"><span>{tr('15分钟覆盖率', 'Covered within 15 min')}</span><strong data-testid="total-share">{pct(c.total.share)}</strong></div>
        <div className="stat"><span>{tr('覆盖人口 / 常住人口', 'People covered / residents')}</span><strong data-testid="total-people">{c.total.covered_population} / {c.total.population}</strong></div>
        <div className="stat"><span>{tr('已覆盖的村（社区）', 'Villages covered')}</span><strong data-testid="total-villages">{c.total.covered_villages} / {c.total.villages}</strong></div>
        <div className="stat"><span>{tr('计入的网点', 'Points counted')}</span><strong data-testid="points-counted">{c.points_counted}</strong></div>
      </div>
      <p className="hint">
        {tr(
          `步行可达按直线距离 × ${c.method.detour} 绕行系数、每小时 ${c.method.speed_kmh} 公里计，${c.method.reach_minutes} 分钟约合直线 ${c.method.reach_km} 公里；只计启用且办理常用事项的网点。未接入路网；演示数据的位置为合成坐标。`,
          `Walking reach: straight-line distance × a detour factor of ${c.method.detour} at ${c.method.speed_kmh} km/h, so ${c.method.reach_minutes} minutes is ${c.method.reach_km} km in a straight line; only active points handling the common items count. No road network; the demo's positions are synthetic.`,
        )}
      </p>
      <Card title={tr('覆盖地图', 'Coverage map')}>
        <div className="coverage-map">
          <Chart option={option} label={tr(`${c.name}的村（社区）、服务网点和网格覆盖情况`, `Villages, service points and grid coverage of ${c.name}`)} />
        </div>
      </Card>
      {c.proposal && (
        <Card title={tr('建议新增网点', 'Where one new point would help most')}>
          <p data-testid="proposal" data-village={c.proposal.village}>
            {tr(`在${c.proposal.name}（${c.proposal.lat.toFixed(4)}, ${c.proposal.lng.toFixed(4)}）新增一个网点，可使 ${c.proposal.covers_villages.length} 个村（社区）、${c.proposal.covers_population} 人进入15分钟服务圈。`,
              `A point at ${c.proposal.name} (${c.proposal.lat.toFixed(4)}, ${c.proposal.lng.toFixed(4)}) would bring ${c.proposal.covers_villages.length} villages and ${c.proposal.covers_population} people within 15 minutes.`)}
          </p>
        </Card>
      )}
      <Card title={tr('网格覆盖率', 'Grids')}>
        {c.grids.length === 0 ? <Empty>{tr('该地区还没有网格。', 'No grids in this region yet.')}</Empty> : (
          <ShareTable rows={c.grids.map((g) => ({ ...g, name: gridNames.get(g.code) ? `${g.name}（${gridNames.get(g.code)}）` : g.name }))} caption={tr('各网格的覆盖率', 'Coverage by grid')} testid="grid-table" />
        )}
      </Card>
      <Card title={tr('未覆盖的村（社区），按人口', 'Gaps: uncovered villages by population')}>
        {c.gaps.length === 0 ? <Empty>{tr('全部村（社区）都在15分钟服务圈内。', 'Every village is within 15 minutes.')}</Empty> : (
          <div className="scroll">
            <table data-testid="gap-table">
              <caption className="sr-only">{tr('未覆盖的村（社区）', 'Uncovered villages')}</caption>
              <thead><tr><th scope="col">{tr('村（社区）', 'Village')}</th><th scope="col" className="num">{tr('常住人口', 'Residents')}</th><th scope="col">{tr('最近网点', 'Nearest point')}</th><th scope="col" className="num">{tr('步行（分钟）', 'Walk (min)')}</th></tr></thead>
              <tbody>
                {c.gaps.slice(0, 30).map((v) => (
                  <tr key={v.code} data-code={v.code}><td>{v.name}</td><td className="num">{v.population ?? '—'}</td><td>{v.nearest?.name ?? '—'}</td><td className="num">{v.nearest?.minutes ?? '—'}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {c.counties.length > 1 && (
        <Card title={tr('各区县', 'Counties')}>
          <ShareTable rows={c.counties} caption={tr('各区县的覆盖率', 'Coverage by county')} testid="county-table" />
        </Card>
      )}
      <details>
        <summary>{tr(`全部 ${c.villages.length} 个村（社区）`, `All ${c.villages.length} villages`)}</summary>
        <div className="scroll">
          <table data-testid="village-table">
            <thead><tr><th scope="col">{tr('村（社区）', 'Village')}</th><th scope="col" className="num">{tr('常住人口', 'Residents')}</th><th scope="col">{tr('覆盖', 'Covered')}</th><th scope="col">{tr('最近网点', 'Nearest point')}</th><th scope="col" className="num">{tr('步行（分钟）', 'Walk (min)')}</th></tr></thead>
            <tbody>
              {c.villages.map((v) => (
                <tr key={v.code} data-code={v.code} data-covered={v.covered ? 'yes' : 'no'}>
                  <td>{v.name}</td><td className="num">{v.population ?? '—'}</td>
                  <td>{v.covered ? <Badge tone="ok">{tr('是', 'yes')}</Badge> : <Badge tone="bad">{tr('否', 'no')}</Badge>}</td>
                  <td>{v.nearest?.name ?? '—'}</td><td className="num">{v.nearest?.minutes ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

const KINDS: Record<string, { zh: string; en: string }> = {
  bureau_hall: { zh: '经办大厅', en: 'Bureau hall' }, town_station: { zh: '乡镇（街道）服务站', en: 'Town station' },
  village_point: { zh: '村（社区）服务点', en: 'Village point' }, bank: { zh: '银行', en: 'Bank' }, hospital: { zh: '医院', en: 'Hospital' }, pharmacy: { zh: '药店', en: 'Pharmacy' },
};

function PointEditor({ point, items, onDone }: { point: ServicePoint; items: Record<string, { zh: string; en: string }>; onDone: () => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const [draft, setDraft] = useState({ name: point.name, address: point.address, lat: String(point.lat), lng: String(point.lng), windows: String(point.windows), active: point.active, items: point.items });
  const save = useMutation({
    mutationFn: () => api<ServicePoint>(`/api/v1/service-points/${point.code}`, {
      method: 'PUT',
      body: { name: draft.name, address: draft.address, lat: Number(draft.lat), lng: Number(draft.lng), windows: Number(draft.windows), active: draft.active, items: draft.items },
    }),
    onSuccess: () => { void qc.invalidateQueries({ queryKey: ['points'] }); void qc.invalidateQueries({ queryKey: ['coverage'] }); onDone(); },
  });
  const submit = (e: FormEvent): void => { e.preventDefault(); save.mutate(); };
  return (
    <form onSubmit={submit} data-testid="point-editor" aria-label={tr(`修改${point.name}`, `Edit ${point.name}`)}>
      <div className="row">
        <Field label={tr('名称', 'Name')}>{(id) => <input id={id} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />}</Field>
        <Field label={tr('地址', 'Address')}>{(id) => <input id={id} value={draft.address} onChange={(e) => setDraft({ ...draft, address: e.target.value })} />}</Field>
        <Field label={tr('纬度', 'Latitude')}>{(id) => <input id={id} inputMode="decimal" value={draft.lat} onChange={(e) => setDraft({ ...draft, lat: e.target.value })} />}</Field>
        <Field label={tr('经度', 'Longitude')}>{(id) => <input id={id} inputMode="decimal" value={draft.lng} onChange={(e) => setDraft({ ...draft, lng: e.target.value })} />}</Field>
        <Field label={tr('窗口数', 'Windows')}>{(id) => <input id={id} inputMode="numeric" value={draft.windows} onChange={(e) => setDraft({ ...draft, windows: e.target.value })} />}</Field>
      </div>
      <fieldset>
        <legend>{tr('办理事项', 'Service items')}</legend>
        {Object.entries(items).map(([code, name]) => (
          <label key={code} className="check">
            <input type="checkbox" checked={draft.items.includes(code)} onChange={(e) => setDraft({ ...draft, items: e.target.checked ? [...draft.items, code] : draft.items.filter((x) => x !== code) })} />
            {lang === 'zh' ? name.zh : name.en}
          </label>
        ))}
      </fieldset>
      <label className="check"><input type="checkbox" checked={draft.active} onChange={(e) => setDraft({ ...draft, active: e.target.checked })} />{tr('启用', 'Active')}</label>
      {save.isError && <ErrorBox error={save.error} />}
      <div className="actions">
        <button type="submit" disabled={save.isPending}>{tr('保存', 'Save')}</button>
        <button type="button" className="secondary" onClick={onDone}>{tr('取消', 'Cancel')}</button>
      </div>
    </form>
  );
}

function PointList({ admdvs, canEdit }: { admdvs: string; canEdit: boolean }): ReactNode {
  const { tr, lang } = usePrefs();
  const [editing, setEditing] = useState<string | null>(null);
  const q = useQuery({ queryKey: ['points', admdvs], queryFn: () => api<{ items: ServicePoint[]; service_items: Record<string, { zh: string; en: string }> }>(`/api/v1/service-points?${new URLSearchParams({ admdvs })}`) });
  return (
    <Query q={q}>
      {(d) => d.items.length === 0 ? <Empty>{tr('该地区没有服务网点。', 'No service points in this region.')}</Empty> : (
        <>
          {editing && <Card title={tr('修改网点', 'Edit the point')}><PointEditor point={d.items.find((p) => p.code === editing)!} items={d.service_items} onDone={() => setEditing(null)} /></Card>}
          <div className="scroll">
            <table data-testid="point-table">
              <caption className="sr-only">{tr('服务网点', 'Service points')}</caption>
              <thead><tr><th scope="col">{tr('编码', 'Code')}</th><th scope="col">{tr('名称', 'Name')}</th><th scope="col">{tr('类别', 'Kind')}</th><th scope="col" className="num">{tr('窗口', 'Windows')}</th><th scope="col" className="num">{tr('事项', 'Items')}</th><th scope="col">{tr('状态', 'State')}</th>{canEdit && <th scope="col"><span className="sr-only">{tr('操作', 'Actions')}</span></th>}</tr></thead>
              <tbody>
                {d.items.map((p) => (
                  <tr key={p.code} data-code={p.code}>
                    <td><code>{p.code}</code></td><td>{p.name}</td><td>{lang === 'zh' ? KINDS[p.kind]?.zh : KINDS[p.kind]?.en}</td><td className="num">{p.windows}</td><td className="num">{p.items.length}</td>
                    <td>{p.active ? <Badge tone="ok">{tr('启用', 'active')}</Badge> : <Badge tone="info">{tr('停用', 'inactive')}</Badge>}</td>
                    {canEdit && <td><button type="button" className="secondary" onClick={() => setEditing(p.code)} aria-label={tr(`修改${p.name}`, `Edit ${p.name}`)}>{tr('修改', 'Edit')}</button></td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Query>
  );
}

export function Coverage({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const first = me.regions.find((r) => r !== '000000') ?? '430204';
  const [admdvs, setAdmdvs] = useState(first);
  const [typed, setTyped] = useState(first);
  const [tab, setTab] = useState<'map' | 'points'>('map');
  return (
    <>
      <h1>{tr('15分钟医保服务圈', 'The 15-minute service circle')}</h1>
      <form className="search" onSubmit={(e) => { e.preventDefault(); if (/^[0-9]{6,12}$/.test(typed.trim())) setAdmdvs(typed.trim()); }}>
        <Field label={tr('地区编码', 'Region code')} hint={tr('区县 6 位，乡镇 9 位', '6 digits for a county, 9 for a town')}>
          {(id, d) => <input id={id} aria-describedby={d} inputMode="numeric" value={typed} onChange={(e) => setTyped(e.target.value)} />}
        </Field>
        <button type="submit">{tr('查看', 'Show')}</button>
      </form>
      <div role="tablist" aria-label={tr('覆盖与网点', 'Coverage and points')} className="tabs">
        <button role="tab" type="button" aria-selected={tab === 'map'} onClick={() => setTab('map')}>{tr('覆盖地图', 'Coverage map')}</button>
        <button role="tab" type="button" aria-selected={tab === 'points'} onClick={() => setTab('points')}>{tr('服务网点', 'Service points')}</button>
      </div>
      {tab === 'map' ? <CoverageMap admdvs={admdvs} /> : <PointList admdvs={admdvs} canEdit={me.can.edit_service_points} />}
    </>
  );
}
