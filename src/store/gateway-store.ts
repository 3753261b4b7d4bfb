import type { Client, Queryable } from './db.ts';

// Sign-ins and the message log of the national gateway (migration 002_gateway.sql).

export interface InstitutionAuth {
  fixmedins_code: string;
  fixmedins_name: string;
  fixmedins_type: string;
  hosp_lv: string;
  admdvs: string;
  sm2_public_key: string | null;
}

export async function findInstitutionAuth(db: Queryable, fixmedinsCode: string): Promise<InstitutionAuth | undefined> {
  const res = await db.query<InstitutionAuth>(
    `SELECT fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, sm2_public_key
       FROM institutions WHERE fixmedins_code = $1`,
    [fixmedinsCode],
  );
  return res.rows[0];
}

export interface SignInRow {
  sign_no: string;
  fixmedins_code: string;
  opter: string | null;
  sign_time: Date;
  signout_time: Date | null;
}

export async function insertSignIn(
  db: Queryable,
  row: { sign_no: string; fixmedins_code: string; opter: string | undefined; mac: string | undefined; ip: string | undefined; sign_time: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO gateway_sign_ins (sign_no, fixmedins_code, opter, mac, ip, sign_time) VALUES ($1, $2, $3, $4, $5, $6)`,
    [row.sign_no, row.fixmedins_code, row.opter ?? null, row.mac ?? null, row.ip ?? null, row.sign_time],
  );
}

export async function findSignIn(db: Queryable, signNo: string): Promise<SignInRow | undefined> {
  const res = await db.query<SignInRow>(
    `SELECT sign_no, fixmedins_code, opter, sign_time, signout_time FROM gateway_sign_ins WHERE sign_no = $1`,
    [signNo],
  );
  return res.rows[0];
}

/** Signs out; returns false when the sign-in was already signed out (a concurrent 9002). */
export async function markSignedOut(db: Queryable, signNo: string, at: Date): Promise<boolean> {
  const res = await db.query(
    `UPDATE gateway_sign_ins SET signout_time = $2 WHERE sign_no = $1 AND signout_time IS NULL`,
    [signNo, at],
  );
  return res.rowCount === 1;
}

export async function nextRefmsgSerial(db: Queryable): Promise<number> {
  const res = await db.query<{ n: number }>(`SELECT nextval('gateway_refmsg_serial') AS n`);
  return res.rows[0]!.n;
}

/** Serialises concurrent messages with the same (institution, msgid) until the transaction ends. */
export async function lockMessageKey(client: Client, fixmedinsCode: string, msgid: string): Promise<void> {
  // Two 32-bit hashes: a collision only makes two unrelated messages wait for each other.
  await client.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [fixmedinsCode, msgid]);
}

export interface StoredMessage {
  infno: string;
  request_hash: string;
  request: unknown;
  response: Record<string, unknown>;
}

export async function findIdempotentMessage(db: Queryable, fixmedinsCode: string, msgid: string): Promise<StoredMessage | undefined> {
  const res = await db.query<StoredMessage>(
    `SELECT infno, request_hash, request, response FROM gateway_messages
      WHERE fixmedins_code = $1 AND msgid = $2 AND idempotent`,
    [fixmedinsCode, msgid],
  );
  return res.rows[0];
}

export interface MessageLogRow {
  fixmedins_code: string;
  msgid: string;
  infno: string;
  idempotent: boolean;
  request_hash: string;
  request: unknown;
  response: Record<string, unknown>;
  infcode: number;
  received_at: Date;
  answered_at: Date;
}

export async function insertMessage(db: Queryable, row: MessageLogRow): Promise<void> {
  await db.query(
    `INSERT INTO gateway_messages (fixmedins_code, msgid, infno, idempotent, request_hash, request, response, infcode, received_at, answered_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      row.fixmedins_code,
      row.msgid,
      row.infno,
      row.idempotent,
      row.request_hash,
      JSON.stringify(row.request),
      JSON.stringify(row.response),
      row.infcode,
      row.received_at,
      row.answered_at,
    ],
  );
}
