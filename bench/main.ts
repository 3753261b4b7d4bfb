// `npm run bench [-- --quick]`: prints one JSON document with every part's figures.
// The engine part runs in process; later parts (HTTP, database) add their own keys.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runEngineBench } from './engine.ts';
import { runGatewayBench } from './gateway.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: 'boolean' },
    outpatient: { type: 'string' },
    inpatient: { type: 'string' },
    'gateway-only': { type: 'boolean' },
    seconds: { type: 'string' },
    clients: { type: 'string' },
  },
});
const quick = values.quick === true;
const count = (v: string | undefined, full: number, short: number): number => (v === undefined ? (quick ? short : full) : Number(v));

const engine = values['gateway-only']
  ? undefined
  : runEngineBench({
      // The full run settles 10 million outpatient claims to show memory stays flat.
      outpatient: count(values.outpatient, 10_000_000, 300_000),
      inpatient: count(values.inpatient, 500_000, 20_000),
    });

const gateway = await runGatewayBench({ quick, clients: count(values.clients, 32, 32), seconds: count(values.seconds, 20, 5) });

console.log(
  JSON.stringify(
    {
      quick,
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      engine,
      gateway,
    },
    null,
    2,
  ),
);
