import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTransfer } from './ledger.ts';
import { claimMismatches, paymentLegs, releaseLegs, reserveSplit } from './institution-clearing.ts';

const platform = { setl_cnt: 3, medfee_sumamt: 100000, fund_pay_sumamt: 60000, acct_pay: 10000, psn_cash_pay: 30000, by_fund: { '310100': 60000, '310200': 10000 } };

test('the reserve is the share rounded down; what is paid is the rest', () => {
  assert.deepEqual(reserveSplit(70000, 500), { paid_fen: 66500, reserve_fen: 3500 });
  assert.deepEqual(reserveSplit(1999, 500), { paid_fen: 1900, reserve_fen: 99 }, '99.95 fen withheld rounds down to 99');
  assert.deepEqual(reserveSplit(0, 500), { paid_fen: 0, reserve_fen: 0 });
  assert.throws(() => reserveSplit(-1, 500));
  assert.throws(() => reserveSplit(100, 10001));
});

test('mismatches name the claim’s fields that differ, funds either side names', () => {
  assert.deepEqual(claimMismatches({ medfee_sumamt: 100000, fund_appy_sum: 60000, cash_payamt: 30000, acct_pay: 10000 }, platform), []);
  assert.deepEqual(
    claimMismatches({ medfee_sumamt: 100000, fund_appy_sum: 60100, cash_payamt: 30000, acct_pay: 10000, setl_cnt: 4, by_fund: { '310100': 60100, '320100': 5 } }, platform),
    [
      { field: 'setl_cnt', claimed: 4, platform: 3, unit: 'count' },
      { field: 'fund_appy_sum', claimed: 60100, platform: 60000, unit: 'fen' },
      { field: 'by_fund.310100', claimed: 60100, platform: 60000, unit: 'fen' },
      { field: 'by_fund.310200', claimed: 0, platform: 10000, unit: 'fen' },
      { field: 'by_fund.320100', claimed: 5, platform: 0, unit: 'fen' },
    ],
  );
});

test('the payment and the release are balanced transfers over declared accounts', () => {
  const pay = checkTransfer({ kind: 'hospital_payment', key: 'medins_payment:1', cause: { kind: 'x', id: '1' }, legs: paymentLegs('H43020400001', { paid_fen: 66500, reserve_fen: 3500 }), reverses: null, memo: null });
  assert.equal(pay.amount, 70000);
  assert.deepEqual(pay.changes.map((c) => [c.account, c.debits - c.credits]), [['medins_bank:H43020400001', 66500], ['medins_payable:H43020400001', -70000], ['medins_reserve:H43020400001', 3500]]);
  assert.deepEqual(releaseLegs('H43020400001', 0), []);
  assert.deepEqual(releaseLegs('H43020400001', 3500), [{ debit: 'medins_bank:H43020400001', credit: 'medins_reserve:H43020400001', amount: 3500 }]);
});
