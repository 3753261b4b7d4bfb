import crypto from 'node:crypto';
import { unauthenticated } from '../../../engine/errors.ts';
import { findSignIn, insertSignIn, markSignedOut } from '../../../store/gateway-store.ts';
import { inputObject, optionalString } from '../input.ts';
import { dateTime } from '../time.ts';
import type { TransactionHandler } from '../types.ts';

// 9001 签到 / 9002 签退. A sign_no is what every other transaction of the day carries; it
// stays valid for its institution until signed out.

export const signIn: TransactionHandler = {
  infno: '9001',
  name: { zh: '签到', en: 'sign in' },
  requiresSignIn: false,
  writes: true,
  headerFields: ['opter'],
  async handle(ctx) {
    const data = inputObject(ctx.envelope.input, 'signIn', true);
    const sign_no = crypto.randomBytes(16).toString('hex');
    const at = ctx.now();
    await insertSignIn(ctx.db, {
      sign_no,
      fixmedins_code: ctx.institution.fixmedins_code,
      opter: optionalString(data, 'opter_no', 'input.signIn', 30) ?? ctx.envelope.opter,
      mac: optionalString(data, 'mac', 'input.signIn', 64),
      ip: optionalString(data, 'ip', 'input.signIn', 64),
      sign_time: at,
    });
    return { signinoutb: { sign_no, sign_time: dateTime(at) } };
  },
};

export const signOut: TransactionHandler = {
  infno: '9002',
  name: { zh: '签退', en: 'sign out' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const data = inputObject(ctx.envelope.input, 'signOut', true);
    // The sign-in to end is the one in input.signOut, or else the envelope's own.
    const signNo = optionalString(data, 'sign_no', 'input.signOut', 64) ?? ctx.signIn!.sign_no;
    const row = await findSignIn(ctx.db, signNo);
    if (!row || row.fixmedins_code !== ctx.institution.fixmedins_code) {
      throw unauthenticated('input.signOut.sign_no', `签到编号 ${signNo} 不是本机构签到取得的`, `sign_no ${signNo} was not issued to this institution`);
    }
    const at = ctx.now();
    if (!(await markSignedOut(ctx.db, signNo, at))) {
      throw unauthenticated('input.signOut.sign_no', `签到编号 ${signNo} 已签退`, `sign_no ${signNo} is already signed out`);
    }
    return { signoutoutb: { sign_no: signNo, sign_time: dateTime(at) } };
  },
};
