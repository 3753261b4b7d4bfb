import { useId, type ReactNode } from 'react';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { YibaoError } from '../../src/engine/errors.ts';
import { api, ApiError } from './api.ts';
import { usePrefs } from './i18n.tsx';

// The pieces every page shares: loading, empty and error states announced to screen readers,
// labelled fields, cards and tables.

export function Loading({ what }: { what?: string }): ReactNode {
  const { tr } = usePrefs();
  return (
    <p className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what ?? tr('正在加载…', 'Loading…')}
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }): ReactNode {
  const { tr, lang } = usePrefs();
  // A YibaoError is the engine refusing an input before it is sent (an amount that is not yuan).
  const text = error instanceof ApiError ? (lang === 'zh' ? error.zh : error.en)
    : error instanceof YibaoError ? error.details.map((d) => (lang === 'zh' ? d.zh : d.en)).join('; ')
    : error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      <strong>{tr('出错了', 'Something went wrong')}</strong>
      <p>{text}</p>
      {retry && (
        <button type="button" className="secondary" onClick={retry}>
          {tr('重试', 'Try again')}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }): ReactNode {
  return (
    <p className="state empty" role="status">
      {children}
    </p>
  );
}

/** Renders a query's loading and error states, then its data. */
export function Query<T>({ q, children, what }: { q: UseQueryResult<T>; children: (data: T) => ReactNode; what?: string }): ReactNode {
  if (q.isPending) return <Loading {...(what ? { what } : {})} />;
  if (q.isError) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  return <>{children(q.data)}</>;
}

export function Card({ title, children, actions, id }: { title: string; children: ReactNode; actions?: ReactNode; id?: string }): ReactNode {
  const hid = useId();
  return (
    <section className="card" aria-labelledby={hid} id={id}>
      <header className="card-head">
        <h2 id={hid}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string, describedBy: string | undefined) => ReactNode }): ReactNode {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info'; children: ReactNode }): ReactNode {
  return <span className={`badge ${tone}`}>{children}</span>;
}

export const FILING_STATUS: Record<string, { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  pending_review: { zh: '待审核', en: 'Waiting for review', tone: 'warn' },
  effective: { zh: '已生效', en: 'Approved, in effect', tone: 'ok' },
  rejected: { zh: '未通过', en: 'Rejected', tone: 'bad' },
  revoked: { zh: '已撤销', en: 'Revoked', tone: 'info' },
  superseded: { zh: '已变更', en: 'Replaced by a change', tone: 'info' },
  recognised: { zh: '已认定', en: 'Recognised', tone: 'ok' },
};

export const FILING_KINDS: Record<string, { zh: string; en: string; evidence: { kind: string; zh: string; en: string }[] }> = {
  long_term_resident: { zh: '异地长期居住', en: 'Living elsewhere long-term', evidence: [{ kind: 'residence_proof', zh: '居住证明', en: 'Proof of residence' }] },
  resettled_retiree: {
    zh: '异地安置退休', en: 'Retired and resettled elsewhere',
    evidence: [{ kind: 'residence_proof', zh: '居住证明', en: 'Proof of residence' }, { kind: 'retirement_proof', zh: '退休证明', en: 'Proof of retirement' }],
  },
  posted_worker: { zh: '常驻异地工作', en: 'Posted to work elsewhere', evidence: [{ kind: 'employment_proof', zh: '单位派驻证明', en: "Employer's posting letter" }] },
  referral: { zh: '异地转诊', en: 'Referral to a hospital elsewhere', evidence: [{ kind: 'referral_form', zh: '转诊转院单', en: 'Referral form' }] },
  temporary_other: { zh: '其他临时外出就医', en: 'Other temporary travel', evidence: [] },
};

export function StatusBadge({ status }: { status: string }): ReactNode {
  const { lang } = usePrefs();
  const s = FILING_STATUS[status];
  return <Badge tone={s?.tone ?? 'info'}>{s ? (lang === 'zh' ? s.zh : s.en) : status}</Badge>;
}

/** A region code shown with its name (looked up once and kept); the code alone while loading. */
export function RegionName({ code }: { code: string }): ReactNode {
  const q = useQuery({ queryKey: ['region', code], queryFn: () => api<{ name: string }>(`/api/v1/regions/${code}`), staleTime: Infinity, retry: false });
  return <span title={code}>{q.data?.name ?? code}</span>;
}
