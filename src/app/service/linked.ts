import { assertKind } from '../../engine/filing-rules.ts';
import { invalid } from '../../engine/errors.ts';
import { isIsoDate } from '../../engine/calendar.ts';
import type { LinkedKind } from '../../engine/service-items.ts';
import type { Actor } from '../../store/audit.ts';
import type { PersonRow } from '../../store/cooperation/common.ts';
import type { Queryable } from '../../store/db.ts';
import { createFilingIn } from '../cooperation/filings.ts';
import { applyRecognitionIn } from '../cooperation/recognitions.ts';
import { applyForAssistance, type AssistanceApplicationInput } from './assistance.ts';

// The items whose handling is a review case of its own (备案, 认定, 医疗救助): the application
// opens that case through its existing use case, in the application's transaction, and the
// application follows it (./linked-sync.ts). One entry per linked kind; the form's fields are
// the use case's own input. What each state means for the application is the engine's
// LINKED_OUTCOMES (src/engine/service-items.ts).

export interface LinkedOpening {
  actor: Actor;
  person: PersonRow;
  form: Record<string, unknown>;
  /** The materials attached, as the review's evidence (the material code is the evidence kind). */
  materials: readonly { code: string; ref: string }[];
  consentRef: string | null;
}

/** Opens the review case; returns its number (filing_no, recognition_no, …). */
export type LinkedOpener = (c: Queryable, now: Date, o: LinkedOpening) => Promise<string>;

const str = (form: Record<string, unknown>, field: string, required = true): string | null => {
  const v = form[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw invalid(`form.${field}`, `表单缺少 ${field}`, `the form needs ${field}`);
    return null;
  }
  if (typeof v !== 'string') throw invalid(`form.${field}`, `${field} 应为字符串`, `${field} must be a string`);
  return v;
};
const day = (form: Record<string, unknown>, field: string, required = true): string | null => {
  const v = str(form, field, required);
  if (v !== null && !isIsoDate(v)) throw invalid(`form.${field}`, `${field} 应为 yyyy-mm-dd`, `${field} must be yyyy-mm-dd`);
  return v;
};

/** Who files, as the filing and recognition use cases record it. */
function filerOf(o: LinkedOpening): { type: 'person' | 'staff' | 'grid_worker'; id: string; name: string | null; consent_ref: string | null } {
  if (o.actor.type === 'grid_worker') return { type: 'grid_worker', id: o.actor.id, name: o.actor.name ?? null, consent_ref: o.consentRef };
  if (o.actor.type === 'staff') return { type: 'staff', id: o.actor.id, name: o.actor.name ?? null, consent_ref: null };
  return { type: 'person', id: o.person.psn_no, name: o.person.psn_name, consent_ref: null };
}

const evidence = (o: LinkedOpening): { kind: string; ref: string }[] => o.materials.map((m) => ({ kind: m.code, ref: m.ref }));

export const LINKED_OPENERS: Readonly<Partial<Record<LinkedKind, LinkedOpener>>> = {
  filing_review: async (c, now, o) => {
    const f = await createFilingIn(c, now, {
      psn_no: o.person.psn_no,
      kind: assertKind(o.form.kind, 'form.kind'),
      mdtrtarea_admdvs: str(o.form, 'mdtrtarea_admdvs')!,
      begndate: day(o.form, 'begndate')!,
      enddate: day(o.form, 'enddate', false),
      filer: filerOf(o),
      commitment: o.form.commitment === true,
      evidence: evidence(o),
      fixmedins_code: str(o.form, 'fixmedins_code', false),
      reason: str(o.form, 'reason', false),
    });
    return f.filing_no;
  },
  recognition_review: async (c, now, o) => {
    const r = await applyRecognitionIn(c, now, {
      psn_no: o.person.psn_no,
      opsp_dise_code: str(o.form, 'opsp_dise_code')!,
      diag_code: str(o.form, 'diag_code')!,
      ide_fixmedins_code: str(o.form, 'ide_fixmedins_code')!,
      diag_dr_codg: str(o.form, 'diag_dr_codg')!,
      diag_dr_name: str(o.form, 'diag_dr_name')!,
      hosp_ide_date: day(o.form, 'hosp_ide_date')!,
      filer: filerOf(o),
      evidence: evidence(o),
    });
    return r.recognition_no;
  },
  // 医疗救助: the form is the assistance application's own input (its checks name form fields by their own names)
  medical_assistance: async (c, now, o) => {
    const f = o.form as Partial<AssistanceApplicationInput>;
    const a = await applyForAssistance(c, now, o.actor, {
      psn_no: o.person.psn_no,
      year: f.year,
      setl_ids: f.setl_ids,
      outside: f.outside,
      reason: str(o.form, 'reason', false),
      consent_ref: o.consentRef ?? undefined,
    });
    return a.application_no;
  },
};
