import fs from 'node:fs';
import path from 'node:path';

// Anonymised interface messages from real hospital systems (copied from the project's shared
// fixtures so the tests need nothing outside the repository).
const dir = path.resolve(import.meta.dirname, '../fixtures/nhsa');

export function nhsaFixture<T = Record<string, any>>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as T;
}
