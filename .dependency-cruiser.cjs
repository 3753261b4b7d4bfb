// The layers of yibao and the one rule between them: a module imports only its own layer and
// the layers below it (docs/architecture.md draws them). test/layers.test.ts runs this in
// `npm test`; a violation names the rule, the importing module and the imported one.
//
//   src/cli   src/demo        commands; the demo data (drives the real gateway)
//        src/server           adapters: the national gateway, the REST API, auth
//        src/app              use cases (application layer)
//        src/store            SQL and the shipped files
//        src/engine           pure rules and arithmetic
//   web/src                   the pages: their own code and the engine's types and pure code
const path = require('node:path');

// Every project path a rule can point at; npm packages are outside every rule.
const PROJECT = '^(src|web|test|bench|scripts)/';
const TEST_FILE = '\\.test\\.tsx?$';
// Test files may also use the shared test support (a database clone, fixtures).
const TEST_SUPPORT = '^test/support/';

/** A layer's rule, once for its code and once for its tests (which may use test/support too). */
function layer(name, comment, from, allowed) {
  return [
    { name, comment, severity: 'error', from: { path: from, pathNot: TEST_FILE }, to: { path: PROJECT, pathNot: allowed } },
    { name: `${name} (tests)`, comment, severity: 'error', from: { path: `${from}.*${TEST_FILE}` }, to: { path: PROJECT, pathNot: `${allowed}|${TEST_SUPPORT}` } },
  ];
}

module.exports = {
  forbidden: [
    ...layer('engine-is-pure', 'src/engine imports nothing of the project outside src/engine', '^src/engine/', '^src/engine/'),
    ...layer('store-over-engine', 'src/store imports only src/store and src/engine', '^src/store/', '^src/(store|engine)/'),
    ...layer('app-over-store', 'src/app (use cases) imports only src/app, src/store and src/engine', '^src/app/', '^src/(app|store|engine)/'),
    ...layer('server-is-an-adapter', 'src/server (gateway, REST API, auth) imports src/server, src/app, src/store and src/engine: never src/cli or src/demo', '^src/server/', '^src/(server|app|store|engine)/'),
    ...layer('demo-not-cli', 'src/demo imports the engine, store, app and server (it drives the real gateway), not src/cli', '^src/demo/', '^src/(demo|server|app|store|engine)/'),
    ...layer('cli-on-top', 'src/cli may import all of src, nothing else of the project', '^src/cli/', '^src/'),
    ...layer('web-over-engine', 'web/src imports only web/src and src/engine (types and pure code)', '^web/src/', '^(web/src|src/engine)/'),
    {
      name: 'no-cycle',
      comment: 'no import cycles, type-only imports included: a cycle means two modules are one, or a type sits in the wrong one',
      severity: 'error',
      from: { path: '^(src|web/src)/' },
      to: { circular: true },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API for dependency-cruiser: babel reads the .ts/.tsx files.
    babelConfig: { fileName: path.join(__dirname, 'scripts/depcruise-babel.cjs') },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
  },
};
