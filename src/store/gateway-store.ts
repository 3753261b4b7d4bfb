import type { Queryable } from './db.ts';
import type { CommitAggregate, SharedRead } from './group-commit.ts';

// Sign-ins and the message log of the national gateway (migration 002_gateway.sql).

export interface InstitutionAuth {
  fixmedins_code: string;
  fixmedins_name: string;
  fixmedins_type: string;
  hosp_lv: string;
  admdvs: string;
  sm2_public_key: string | null;
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

export interface MessageStart {
  /** The serial part of the answer's inf_refmsgid. */
  serial: number;
  /** The answer already given under this msgid, if any. */
  previous: StoredMessage | undefined;
  caller: Caller;
}

/**
 * What a writing message reads first, in the BEGIN round trip and after the (institution,
 * msgid) lock that serialises its retries (taken by group-commit.ts): the answer's serial, the
 * message already answered under this msgid, and the caller with its sign-in. One statement
 * answers for every message of a transaction.
 */
export const MESSAGE_START: SharedRead<{ fixmedins_code: string; msgid: string; sign_no: string | undefined }, MessageStart> = {
  query: (items) => ({
    name: 'gateway_message_start',
    text: `SELECT u.i, nextval('gateway_refmsg_serial') AS n,
              i.fixmedins_code, i.fixmedins_name, i.fixmedins_type, i.hosp_lv, i.admdvs, i.sm2_public_key,
              s.sign_no AS s_sign_no, s.fixmedins_code AS s_fixmedins_code, s.opter AS s_opter, s.sign_time AS s_sign_time, s.signout_time AS s_signout_time,
              m.infno AS m_infno, m.request_hash AS m_request_hash, m.request AS m_request, m.response AS m_response
         FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(fixmedins_code, msgid, sign_no, i)
         LEFT JOIN institutions i ON i.fixmedins_code = u.fixmedins_code
         LEFT JOIN gateway_sign_ins s ON s.sign_no = u.sign_no
         LEFT JOIN gateway_messages m ON m.fixmedins_code = u.fixmedins_code AND m.msgid = u.msgid AND m.idempotent
        ORDER BY u.i`,
    values: [items.map((x) => x.fixmedins_code), items.map((x) => x.msgid), items.map((x) => x.sign_no ?? null)],
  }),
  split: (result) =>
    result.rows.map((row: Record<string, unknown>) => ({
      serial: Number(row['n']),
      previous: row['m_infno'] === null ? undefined : { infno: row['m_infno'] as string, request_hash: row['m_request_hash'] as string, request: row['m_request'], response: row['m_response'] as Record<string, unknown> },
      caller: callerFromRow(row as unknown as CallerRow),
    })),
};

/** The lock key of a message's idempotency: one msgid of one institution. */
export const messageKey = (fixmedinsCode: string, msgid: string): string => `msg\u0000${fixmedinsCode}\u0000${msgid}`;

type CallerRow = InstitutionAuth & { s_sign_no: string | null; s_fixmedins_code: string; s_opter: string | null; s_sign_time: Date; s_signout_time: Date | null };
export type Caller = { institution: InstitutionAuth | undefined; signIn: SignInRow | undefined };

/** The caller and its sign-in from a row of MESSAGE_START (either may be absent). */
function callerFromRow(r: CallerRow): Caller {
  return {
    institution: r.fixmedins_code ? { fixmedins_code: r.fixmedins_code, fixmedins_name: r.fixmedins_name, fixmedins_type: r.fixmedins_type, hosp_lv: r.hosp_lv, admdvs: r.admdvs, sm2_public_key: r.sm2_public_key } : undefined,
    signIn: r.s_sign_no ? { sign_no: r.s_sign_no, fixmedins_code: r.s_fixmedins_code, opter: r.s_opter, sign_time: r.s_sign_time, signout_time: r.s_signout_time } : undefined,
  };
}

/** MESSAGE_START for one message outside group commit (read-only messages). */
export async function startMessage(q: Queryable, item: { fixmedins_code: string; msgid: string; sign_no: string | undefined }): Promise<MessageStart> {
  return MESSAGE_START.split(await q.query(MESSAGE_START.query([item])), 1)[0]!;
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
  /** The canonical {infno, input} as JSON text (what request_hash hashes). */
  request_json: string;
  /** The answer as JSON text, exactly as sent. */
  response_json: string;
  infcode: number;
  received_at: Date;
  answered_at: Date;
}

/**
 * Messages' records, written in one statement (with COMMIT, for the messages of a transaction).
 * The rows travel as one JSON document: arrays of JSON texts would have every quote of every
 * request and answer escaped by the driver and unescaped by the server. The request and the
 * answer are already JSON text, so they are spliced in, not serialised again.
 */
export const MESSAGE_RECORDS: CommitAggregate<MessageLogRow> = {
  merge: (rows) => ({
    name: 'gateway_insert_messages',
    text: `INSERT INTO gateway_messages (fixmedins_code, msgid, infno, idempotent, request_hash, request, response, infcode, received_at, answered_at)
     SELECT fixmedins_code, msgid, infno, idempotent, request_hash, request, response, infcode, received_at, answered_at
       FROM json_to_recordset($1::json) AS x(fixmedins_code text, msgid text, infno text, idempotent boolean, request_hash text,
                                            request json, response json, infcode int, received_at timestamptz, answered_at timestamptz)`,
    values: [`[${rows.map(recordJson).join(',')}]`],
  }),
};

function recordJson(r: MessageLogRow): string {
  const { request_json, response_json, ...scalars } = r;
  // scalars is never empty, so its JSON ends in "}" after at least one member.
  return `${JSON.stringify(scalars).slice(0, -1)},"request":${request_json},"response":${response_json}}`;
}

export async function insertMessage(db: Queryable, row: MessageLogRow): Promise<void> {
  await db.query(MESSAGE_RECORDS.merge([row])!);
}
