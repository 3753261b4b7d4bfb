import type { EnrollmentFact } from '../../engine/eligibility.ts';
import { together, type Queryable } from '../db.ts';
import { filingFactsJson, type toFilingFact } from './filings.ts';
import { findSeparatelyPaidDrug, recognitionFactsJson, type toRecognitionFact } from './recognitions.ts';

// What the eligibility decision needs from the database, read in one round trip; which request
// may be asked, the facts assembled and the decision are the use case's
// (src/app/cooperation/eligibility.ts) and the engine's (src/engine/eligibility.ts).

export interface InstitutionFacts {
  fixmedins_code: string;
  fixmedins_type: '1' | '2';
  admdvs: string;
  settles_cross_prov_outpatient: boolean;
  settles_inpatient: boolean;
  settles_chronic: boolean;
  settles_outpatient_pooling: boolean;
}

export interface EnrollmentRow {
  insutype: string;
  psn_insu_stas: EnrollmentFact['psnInsuStas'];
  insuplc_admdvs: string;
  begndate: string;
  enddate: string | null;
}

export interface EligibilityRows {
  /** The reference generation the rows were read under (regionReference's cache key). */
  generation: number;
  /** The institution, null when there is none with that code. */
  institution: InstitutionFacts | null;
  enrollments: EnrollmentRow[];
  filings: Parameters<typeof toFilingFact>[0][];
  recognitions: Parameters<typeof toRecognitionFact>[0][];
  /** The separately paid drug of the person's pooling region, when one was asked for and is listed. */
  drug: Awaited<ReturnType<typeof findSeparatelyPaidDrug>>;
}

/**
 * The person's own facts in one statement (the reference generation with them), the separately
 * paid drug beside it: one round trip.
 */
export async function readEligibilityRows(q: Queryable, fixmedinsCode: string, psnNo: string, home: string, drugCode: string | undefined): Promise<EligibilityRows> {
  const b = together(q);
  const [facts, drug] = await Promise.all([
    b.query<Omit<EligibilityRows, 'drug'>>({
      name: 'eligibility_facts',
      text: `SELECT (SELECT n FROM reference_generation) AS generation,
          (SELECT row_to_json(i) FROM (SELECT fixmedins_code, fixmedins_type, admdvs, settles_cross_prov_outpatient, settles_inpatient, settles_chronic,
                                              settles_outpatient_pooling FROM institutions WHERE fixmedins_code = $1) i) AS institution,
          (SELECT coalesce(json_agg(e), '[]') FROM (SELECT insutype, psn_insu_stas, insuplc_admdvs, psn_insu_date AS begndate, end_date AS enddate
                                                     FROM enrollments WHERE psn_no = $2) e) AS enrollments,
          ${filingFactsJson('$2')} AS filings,
          ${recognitionFactsJson('$2')} AS recognitions`,
      values: [fixmedinsCode, psnNo],
    }),
    drugCode ? findSeparatelyPaidDrug(b, home, drugCode) : Promise.resolve(null),
  ]);
  return { ...facts.rows[0]!, drug };
}
