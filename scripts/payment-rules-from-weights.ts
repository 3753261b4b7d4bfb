// Writes a city's DRG weight list into its payment-rules document, so the document that the
// registry stores is complete by itself (a new weight list is a new version of the document):
//   node --import tsx scripts/payment-rules-from-weights.ts <weights.csv> <payment-rules/…json>
// e.g. catalogs/drg/changsha-2023-weights.csv payment-rules/430100-2026.json. It replaces
// drg.weights (ten-thousandths), drg.by_item_drgs (groups listed without a weight) and
// drg.basic_groups (基础病组), keeps every other field, and checks the result loads.
import fs from 'node:fs';
import { loadPaymentRules, parseWeightsCsv } from '../src/engine/payment/rules.ts';

const [csvPath, docPath] = process.argv.slice(2);
if (!csvPath || !docPath) {
  console.error('usage: payment-rules-from-weights.ts <weights.csv> <payment-rules document .json>');
  process.exit(2);
}
const table = parseWeightsCsv(fs.readFileSync(csvPath, 'utf8'));
const doc = JSON.parse(fs.readFileSync(docPath, 'utf8')) as { drg?: Record<string, unknown> };
if (!doc.drg) {
  console.error(`${docPath} has no drg section`);
  process.exit(1);
}
const sorted = Object.fromEntries(Object.entries(table.weights).sort(([a], [b]) => (a < b ? -1 : 1)));
doc.drg.weights = sorted;
doc.drg.by_item_drgs = [...table.without_weight].sort();
doc.drg.basic_groups = [...table.basic_groups].sort();
loadPaymentRules(doc);
fs.writeFileSync(docPath, `${format(doc, '')}\n`);
console.log(`${docPath}: ${Object.keys(sorted).length} weights, ${table.without_weight.length} groups by item, ${table.basic_groups.length} basic groups`);

/** JSON with small leaves on one line ({ "pay": "by_item" }, ["2", "3"]) and the weights one a line. */
function format(v: unknown, indent: string): string {
  const inline = (x: unknown): string => JSON.stringify(x, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']');
  const leafy = (x: unknown): boolean => x === null || typeof x !== 'object' || (Object.values(x).every((y) => leafy(y)) && JSON.stringify(x).length < 100);
  if (leafy(v)) return inline(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + format(x, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${format(x, inner)}`).join(',\n')}\n${indent}}`;
}
