import {
  CHRGITM_LVS,
  CROSS_REGION_STATUSES,
  FUND_PAY_TYPES,
  HOSP_LVS,
  INSUTYPES,
  MDTRT_CERT_TYPES,
  MED_TYPES,
} from '../../../engine/codes.ts';
import { invalid } from '../../../engine/errors.ts';
import { inputObject, requiredString } from '../input.ts';
import type { TransactionHandler } from '../types.ts';

// 1901 字典表查询: the code tables of src/engine/codes.ts, by the field name they code
// (type "insutype", "med_type"…; case does not matter).

const DICTIONARIES: Record<string, Record<string, { zh: string; en: string }>> = {
  INSUTYPE: INSUTYPES,
  MED_TYPE: MED_TYPES,
  MDTRT_CERT_TYPE: MDTRT_CERT_TYPES,
  FUND_PAY_TYPE: FUND_PAY_TYPES,
  CHRGITM_LV: CHRGITM_LVS,
  HOSP_LV: HOSP_LVS,
  CROSS_REGION_STATUS: CROSS_REGION_STATUSES,
};

export const dictionary: TransactionHandler = {
  infno: '1901',
  name: { zh: '字典表查询', en: 'dictionary' },
  requiresSignIn: true,
  writes: false,
  async handle(ctx) {
    const data = inputObject(ctx.envelope.input, 'data');
    const type = requiredString(data, 'type', 'input.data', 50).toUpperCase();
    const table = DICTIONARIES[type];
    if (!table) {
      const known = Object.keys(DICTIONARIES).join(', ');
      throw invalid('input.data.type', `未知的字典类型 ${type}，可选：${known}`, `unknown dictionary type ${type}; known: ${known}`);
    }
    return {
      list: Object.entries(table).map(([value, label], i) => ({
        type,
        value,
        label: label.zh,
        label_en: label.en,
        parent_value: null,
        sort: i + 1,
        vali_flag: '1',
      })),
    };
  },
};
