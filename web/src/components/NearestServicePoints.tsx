import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api } from '../api.ts';
import type { NearbyServicePoints, ServicePoint } from '../api-types.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, Field, Query } from '../ui.tsx';

// The nearest service points open now (issue 16): for a position (the device's, or by default the
// hall of the person's insured region) and a service item, the nearest active points that handle
// it, the walk to each and whether it is open at this moment by its hours and the working-day
// calendar. Used on the portal; the "办事" page reuses it.

type Bilingual = { zh: string; en: string };
const KIND: Record<string, Bilingual> = {
  bureau_hall: { zh: '经办大厅', en: 'Bureau hall' }, town_station: { zh: '乡镇（街道）服务站', en: 'Town station' },
  village_point: { zh: '村（社区）服务点', en: 'Village point' }, bank: { zh: '银行网点', en: 'Bank' },
  hospital: { zh: '医院服务站', en: 'Hospital' }, pharmacy: { zh: '药店服务点', en: 'Pharmacy' },
};

export function NearestServicePoints({ admdvs, item: initialItem = 'enrollment', title }: { admdvs: string; item?: string; title?: string }): ReactNode {
  const { tr, lang } = usePrefs();
  const [item, setItem] = useState(initialItem);
  const [at, setAt] = useState<{ lat: number; lng: number } | null>(null);
  const [locating, setLocating] = useState<string | null>(null);
  // the default position: the first point (the hall) of the person's region; the item names come with it
  const home = useQuery({
    queryKey: ['service-points', admdvs],
    queryFn: () => api<{ items: ServicePoint[]; service_items: Record<string, Bilingual> }>(`/api/v1/service-points?${new URLSearchParams({ admdvs, active: 'true' })}`),
    staleTime: 300_000,
  });
  const start = at ?? (home.data?.items[0] ? { lat: home.data.items[0].lat, lng: home.data.items[0].lng } : home.isFetched ? { lat: 28.2282, lng: 112.9388 } : null);
  const near = useQuery({
    queryKey: ['service-points-nearest', start?.lat, start?.lng, item],
    enabled: start !== null,
    queryFn: () => api<NearbyServicePoints>(`/api/v1/service-points/nearest?${new URLSearchParams({ lat: String(start!.lat), lng: String(start!.lng), item, limit: '5' })}`),
  });
  const locate = (): void => {
    if (!navigator.geolocation) return setLocating(tr('此设备不能定位。', 'This device cannot locate you.'));
    setLocating(tr('正在定位…', 'Locating…'));
    navigator.geolocation.getCurrentPosition(
      (p) => { setAt({ lat: Number(p.coords.latitude.toFixed(5)), lng: Number(p.coords.longitude.toFixed(5)) }); setLocating(null); },
      () => setLocating(tr('未能定位，显示参保地附近的网点。', 'Could not locate you; showing points near your insured region.')),
    );
  };
  const L = (b: Bilingual | undefined, fallback: string) => (b ? (lang === 'zh' ? b.zh : b.en) : fallback);
  const items = home.data?.service_items ?? {};
  return (
    <Card title={title ?? tr('附近的医保服务网点', 'Service points nearby')} id="nearest-service-points">
      <div className="row">
        <Field label={tr('办理事项', 'Service item')}>
          {(id) => (
            <select id={id} value={item} onChange={(e) => setItem(e.target.value)}>
              {Object.entries(items).map(([code, name]) => <option key={code} value={code}>{L(name, code)}</option>)}
              {!(item in items) && <option value={item}>{item}</option>}
            </select>
          )}
        </Field>
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={locate}>{tr('使用我的位置', 'Use my location')}</button>
      </div>
      {locating && <p role="status">{locating}</p>}
      <p className="muted">
        {tr('步行时间按直线距离 × 1.3 绕行系数、每小时 4.8 公里估算。', 'Walking time is estimated as the straight-line distance × 1.3 at 4.8 km/h.')}
      </p>
      <Query q={near}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>{tr('附近没有办理该事项的网点。', 'No point nearby handles this item.')}</Empty>
          ) : (
            <ul className="cards" data-testid="nearest-points">
              {d.items.map((p) => (
                <li key={p.code} className="item" data-testid="nearest-point" data-code={p.code} data-open={p.open_now ? 'yes' : 'no'}>
                  <div className="item-head">
                    <strong>{p.name}</strong>
                    <Badge tone={p.open_now ? 'ok' : 'info'}>{p.open_now ? tr('正在办公', 'Open now') : tr('当前休息', 'Closed now')}</Badge>
                  </div>
                  <p className="muted">{L(KIND[p.kind], p.kind)} · {p.address}</p>
                  <p>
                    {tr(`约 ${p.km.toFixed(2)} 公里，步行约 ${Math.round(p.minutes)} 分钟`, `About ${p.km.toFixed(2)} km, ${Math.round(p.minutes)} min on foot`)}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </Query>
    </Card>
  );
}
