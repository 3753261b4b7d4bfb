// A persona and a named institution as demo/fixtures.json lists them. Apart from generate.ts,
// which writes the file, so that settlement.ts, which generate.ts calls, can name them
// without importing generate.ts back (no import cycles).
import type { Institution } from '../store/registry/institutions.ts';

export interface FixturePersona {
  key: string;
  description: string;
  certno: string;
  psn_no: string;
  psn_name: string;
  gend: string;
  brdy: string;
  insutype: string;
  psn_type: string;
  insuplc_admdvs: string;
  live_admdvs: string | null;
  emp_name: string | null;
  balc_fen: number | null;
  identities: Array<{ psn_idet_type: string; begntime: string; endtime: string | null }>;
  mdtrt_certs: Array<{ mdtrt_cert_type: '01' | '02' | '03'; mdtrt_cert_no: string; card_sn?: string }>;
  enrollment_history: Array<{ insutype: string; psn_type: string; insuplc_admdvs: string; psn_insu_date: string; end_date: string | null; psn_insu_stas: string }>;
  conditions: Array<{ diag_code: string; diag_name: string }>;
}

/** A named institution as demo/fixtures.json lists it: its key and the registry row without the address. */
export interface FixtureInstitution extends Omit<Institution, 'address'> {
  key: string;
}
