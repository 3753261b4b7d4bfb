// `npm run bench [-- --quick]`: prints one JSON document with every part's figures.
// `npm run bench -- --dashboard [--persons N]`: the dashboard's queries alone (docs/web.md).
// `npm run bench -- --clearing-only [--settlements N]`: the monthly clearing run alone (docs/benchmarks.md).
// `npm run bench -- --drg-only [--cases N]`: CHS-DRG grouping alone (docs/benchmarks.md, issue 14).
// `npm run bench -- --dip-only [--stays N]`: a city's DIP year-end in the engine alone.
// `npm run bench -- --payment-only [--stays N]`: the same year-end through the platform (its database, the ledger).
// `npm run bench -- --scan-only [--lines N] [--persons N]`: the supervision library's after-settlement scan alone (issue 15).
// `npm run bench -- --coverage-only`: the 15-minute coverage of a synthetic province alone (issue 16).
// `npm run bench -- --applications-only [--applications N]`: the one-window staff queue's pages alone (issue 16).
// `npm run bench -- --federation-only [--settlements N] [--clients N]`: cross-deployment settlements against local ones (issue 17).
// `npm run bench -- --fhir-only [--persons N] [--visits N]`: the FHIR API's ExplanationOfBenefit search of one patient's year (issue 17).
// `npm run bench -- --flood-only [--clients N] [--seconds N]`: the gateway offered three times its capacity (issue 18).
// `npm run bench -- --simulate-only [--settlements N]`: a draft policy over stored settlements (issue 19).
// The engine part runs in process; later parts (HTTP, database) add their own keys.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runEngineBench } from './engine.ts';
import { runDashboardBench } from './dashboard.ts';
import { runGatewayBench } from './gateway.ts';
import { runClearingBench } from './clearing.ts';
import { runDrgBench } from './drg.ts';
import { runDipBench } from './dip.ts';
import { runPaymentBench } from './payment.ts';
import { runScanBench } from './scan.ts';
import { runCoverageBench } from './coverage.ts';
import { runApplicationsBench } from './applications.ts';
import { runFederationBench } from './federation.ts';
import { runFhirBench } from './fhir.ts';
import { runFloodBench } from './flood.ts';
import { runSimulateBench } from './simulate.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: 'boolean' },
    outpatient: { type: 'string' },
    inpatient: { type: 'string' },
    dashboard: { type: 'boolean' },
    persons: { type: 'string' },
    'gateway-only': { type: 'boolean' },
    'clearing-only': { type: 'boolean' },
    settlements: { type: 'string' },
    seconds: { type: 'string' },
    clients: { type: 'string' },
    'drg-only': { type: 'boolean' },
    'dip-only': { type: 'boolean' },
    'payment-only': { type: 'boolean' },
    cases: { type: 'string' },
    stays: { type: 'string' },
    'scan-only': { type: 'boolean' },
    lines: { type: 'string' },
    'coverage-only': { type: 'boolean' },
    'applications-only': { type: 'boolean' },
    applications: { type: 'string' },
    'federation-only': { type: 'boolean' },
    'fhir-only': { type: 'boolean' },
    'flood-only': { type: 'boolean' },
    'simulate-only': { type: 'boolean' },
    visits: { type: 'string' },
  },
});
const quick = values.quick === true;
const count = (v: string | undefined, full: number, short: number): number => (v === undefined ? (quick ? short : full) : Number(v));

if (values.dashboard) {
  // The dashboard part alone: it loads a database, which the engine part does not need.
  const persons = count(values.persons, 1_000_000, 50_000);
  console.log(JSON.stringify({ quick, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', dashboard: await runDashboardBench(persons) }, null, 2));
  process.exit(0);
}

// A month of cross-region settlements cleared (1,000,000; 20,000 quick), against a plain GROUP BY of the same rows.
const settlements = count(values.settlements, 1_000_000, 20_000);
if (values['clearing-only']) {
  console.log(JSON.stringify({ quick, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', clearing: await runClearingBench({ settlements }) }, null, 2));
  process.exit(0);
}

// DRG grouping with explanations (100,000 cases; 10,000 quick) and a DIP year (200,000 stays; 20,000 quick), both in the engine.
const header = { quick, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown' };
const drgCases = count(values.cases, 100_000, 10_000);
const dipStays = count(values.stays, 200_000, 20_000);
if (values['payment-only']) {
  console.log(JSON.stringify({ ...header, payment: await runPaymentBench({ stays: dipStays }) }, null, 2));
  process.exit(0);
}
// The supervision scan over 1,000,000 fee lines (40,000 quick) of the 1,000,000-person demo (20,000 quick).
const scanOpts = { lines: count(values.lines, 1_000_000, 40_000), persons: count(values.persons, 1_000_000, 20_000) };
if (values['scan-only']) {
  console.log(JSON.stringify({ ...header, scan: await runScanBench(scanOpts) }, null, 2));
  process.exit(0);
}
// The 15-minute coverage of Hunan's ~29,500 villages (real codes, synthetic positions) and its points, in the engine.
if (values['coverage-only']) {
  console.log(JSON.stringify({ ...header, coverage: runCoverageBench() }, null, 2));
  process.exit(0);
}
// The one-window staff queue at 1,000,000 applications (50,000 quick).
const applicationCount = count(values.applications, 1_000_000, 50_000);
if (values['applications-only']) {
  console.log(JSON.stringify({ ...header, applications: await runApplicationsBench({ applications: applicationCount }) }, null, 2));
  process.exit(0);
}
// Cross-deployment 2207 against local 2207 at the same hospitals, in one run (2,000 a phase; 500 quick).
const federationOpts = { quick, clients: count(values.clients, 16, 16), settlements: count(values.settlements, 2_000, 500) };
if (values['federation-only']) {
  console.log(JSON.stringify({ ...header, federation: await runFederationBench(federationOpts) }, null, 2));
  process.exit(0);
}
// The FHIR search of one patient's year over HTTP, on 20,000 persons with 200,000 settled visits (5,000 and 40,000 quick).
const fhirOpts = { persons: count(values.persons, 20_000, 5_000), visits: count(values.visits, 200_000, 40_000) };
if (values['fhir-only']) {
  console.log(JSON.stringify({ ...header, fhir: await runFhirBench(fhirOpts) }, null, 2));
  process.exit(0);
}
// The gateway at three times its measured capacity, admission limits set from it (issue 18).
const floodOpts = { quick, clients: count(values.clients, 32, 32), seconds: count(values.seconds, 20, 5) };
if (values['flood-only']) {
  console.log(JSON.stringify({ ...header, flood: await runFloodBench(floodOpts) }, null, 2));
  process.exit(0);
}
// A draft priced over 1,000,000 stored settlements (50,000 quick) against the engine on the same claims (issue 19).
const simulateOpts = { settlements: count(values.settlements, 1_000_000, 50_000) };
if (values['simulate-only']) {
  console.log(JSON.stringify({ ...header, simulate: await runSimulateBench(simulateOpts) }, null, 2));
  process.exit(0);
}
if (values['drg-only'] || values['dip-only']) {
  console.log(JSON.stringify({ ...header, drg: values['drg-only'] ? runDrgBench({ cases: drgCases }) : undefined, dip: values['dip-only'] ? runDipBench({ stays: dipStays }) : undefined }, null, 2));
  process.exit(0);
}

const engine = values['gateway-only']
  ? undefined
  : runEngineBench({
      // The full run settles 10 million outpatient claims to show memory stays flat.
      outpatient: count(values.outpatient, 10_000_000, 300_000),
      inpatient: count(values.inpatient, 500_000, 20_000),
    });

const drg = values['gateway-only'] ? undefined : runDrgBench({ cases: drgCases });
const dip = values['gateway-only'] ? undefined : runDipBench({ stays: dipStays });
const coverage = values['gateway-only'] ? undefined : runCoverageBench();

const gateway = await runGatewayBench({ quick, clients: count(values.clients, 32, 32), seconds: count(values.seconds, 20, 5) });
const flood = await runFloodBench(floodOpts);
const clearing = values['gateway-only'] ? undefined : await runClearingBench({ settlements });
const payment = values['gateway-only'] ? undefined : await runPaymentBench({ stays: dipStays });
const scan = values['gateway-only'] ? undefined : await runScanBench(scanOpts);
const applications = values['gateway-only'] ? undefined : await runApplicationsBench({ applications: applicationCount });
const federation = values['gateway-only'] ? undefined : await runFederationBench({ ...federationOpts, settlements: quick ? 500 : 2_000 });
const fhir = values['gateway-only'] ? undefined : await runFhirBench(fhirOpts);
const simulate = values['gateway-only'] ? undefined : await runSimulateBench(simulateOpts);

console.log(
  JSON.stringify(
    {
      quick,
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      engine,
      drg,
      dip,
      payment,
      gateway,
      flood,
      clearing,
      scan,
      coverage,
      applications,
      federation,
      fhir,
      simulate,
    },
    null,
    2,
  ),
);
