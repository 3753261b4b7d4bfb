import { conflict, invalid, notFound } from '../../engine/errors.ts';
import { checkSettlementList, type ListCodeTables, type SettlementList } from '../../engine/settlement-list.ts';
import type { Queryable } from '../../store/db.ts';
import {
  currentList, insertListVersion, listVersions, lockListedSettlement, nextListId, setListStatus, supersedePayment, type ListedSettlement, type ListRow,
} from '../../store/payment/settlement-lists.ts';
import type { Caller } from '../settlement/visit.ts';
import { priceCase, type CasePrice } from './price-case.ts';

// The settlement list (4101A upload, 4102 status, 4103 query): a hospital uploads the list of a
// stay it settled; each upload is a new version, the old ones kept. The stay is grouped on the
// new version and the case repriced once (price-case.ts); the patient's settlement never changes.

/** The settlement a list may be for: the caller's own, a stay's, settled and not cancelled. */
async function listableSettlement(q: Queryable, caller: Caller, setlId: string, psnNo: string | undefined, path: string): Promise<ListedSettlement> {
  const s = await lockListedSettlement(q, setlId);
  if (!s || s.fixmedins_code !== caller.fixmedins_code || s.kind !== 'settle') {
    throw notFound(`${path}.setl_id`, `本机构无结算 ${setlId}`, `no settlement ${setlId} at this institution`);
  }
  if (psnNo !== undefined && psnNo !== s.psn_no) throw invalid(`${path}.psn_no`, `人员 ${psnNo} 与结算 ${setlId} 不符`, `person ${psnNo} does not match settlement ${setlId}`);
  return s;
}

export interface UploadedList {
  list: ListRow;
  price: CasePrice;
}

/** 4101A: checks the list against the settlement, the registry and the code tables, stores it as the stay's newest version, groups and prices it. */
export async function uploadSettlementList(q: Queryable, caller: Caller, list: SettlementList, setlinfo: Record<string, unknown>, tables: ListCodeTables): Promise<UploadedList> {
  const path = 'input.setlinfo';
  const s = await listableSettlement(q, caller, list.setl_id, list.psn_no, path);
  if (s.visit_kind !== 'inpatient') throw invalid(`${path}.setl_id`, `结算 ${s.setl_id} 不是住院结算，结算清单只用于住院`, `settlement ${s.setl_id} is not a stay's; settlement lists are for stays`);
  if (s.status !== 'settled') throw conflict(`${path}.setl_id`, `结算 ${s.setl_id} 已撤销`, `settlement ${s.setl_id} has been cancelled`);
  if (list.mdtrt_id !== s.mdtrt_id) throw invalid(`${path}.mdtrt_id`, `就诊 ${list.mdtrt_id} 与结算 ${s.setl_id} 不符`, `visit ${list.mdtrt_id} does not match settlement ${s.setl_id}`);
  checkSettlementList(list, { gend: s.gend, brdy: s.brdy }, tables);
  const before = await currentList(q, s.setl_id);
  const stored = await insertListVersion(q, {
    setl_list_id: before?.setl_list_id ?? (await nextListId(q)),
    version: (before?.version ?? 0) + 1,
    list,
    fixmedins_code: s.fixmedins_code,
    // what grouping reads again when a withdrawn list is resubmitted
    setlinfo: { ...setlinfo, vent_minutes: list.vent_minutes, ...(list.nwb_bir_wt !== undefined ? { nwb_bir_wt: list.nwb_bir_wt } : {}) },
    msgid: caller.msgid,
    at: caller.now,
  });
  const price = await priceCase(q, s, stored, list, caller.now);
  return { list: stored, price };
}

/** A stored version read back as the engine's list. */
function listOf(row: ListRow): SettlementList {
  const when = (x: unknown): Date | undefined => (typeof x === 'string' ? new Date(x) : undefined);
  return {
    setl_id: row.setl_id, mdtrt_id: row.mdtrt_id, psn_no: row.psn_no, adm_time: row.adm_time, dscg_time: row.dscg_time, dscg_way: row.dscg_way,
    vent_minutes: Number(row.setlinfo['vent_minutes'] ?? 0),
    ...(typeof row.setlinfo['nwb_bir_wt'] === 'number' ? { nwb_bir_wt: row.setlinfo['nwb_bir_wt'] } : {}),
    diagnoses: row.diseinfo as SettlementList['diagnoses'],
    procedures: (row.oprninfo as Record<string, unknown>[]).map((x) => ({ ...(x as unknown as SettlementList['procedures'][number]), begntime: when(x['begntime']), endtime: when(x['endtime']) })),
    icu: [],
  };
}

/** 4102: a list withdrawn ('0') is not paid until it is submitted again ('1'), when it is priced again. */
export async function changeListStatus(q: Queryable, caller: Caller, setlId: string, psnNo: string | undefined, stasType: '0' | '1', path: string): Promise<ListRow> {
  const s = await listableSettlement(q, caller, setlId, psnNo, path);
  const current = await currentList(q, s.setl_id);
  if (!current) throw notFound(`${path}.setl_id`, `结算 ${setlId} 尚未上传结算清单`, `no settlement list has been uploaded for settlement ${setlId}`);
  if (!(await setListStatus(q, s.setl_id, stasType))) {
    throw conflict(`${path}.stas_type`, `结算清单已是状态 ${stasType}`, `the settlement list already has status ${stasType}`);
  }
  if (stasType === '0') await supersedePayment(q, s.setl_id, caller.now);
  else if (s.status === 'settled') await priceCase(q, s, current, listOf(current), caller.now);
  return { ...current, stas_type: stasType };
}

/** 4103: the stay's lists, newest first, the caller's own only. */
export async function settlementListsOf(q: Queryable, caller: Caller, setlId: string, psnNo: string | undefined, path: string): Promise<ListRow[]> {
  const s = await lockListedSettlement(q, setlId, false);
  if (!s || s.fixmedins_code !== caller.fixmedins_code) throw notFound(`${path}.setl_id`, `本机构无结算 ${setlId}`, `no settlement ${setlId} at this institution`);
  if (psnNo !== undefined && psnNo !== s.psn_no) throw invalid(`${path}.psn_no`, `人员 ${psnNo} 与结算 ${setlId} 不符`, `person ${psnNo} does not match settlement ${setlId}`);
  return listVersions(q, setlId);
}
