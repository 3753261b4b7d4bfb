// Babel as dependency-cruiser's reader of .ts/.tsx (TypeScript 7 has no compiler API for it).
// Only imports matter here, so nothing is transformed except what the reader cannot parse
// (types, JSX), and type-only imports are kept: a page importing a store type is an upward
// import too.
const keepTypeImports = () => ({
  visitor: {
    Program(path) {
      for (const node of [...path.node.body]) {
        if (node.type !== 'ImportDeclaration' && node.type !== 'ExportNamedDeclaration' && node.type !== 'ExportAllDeclaration') continue;
        if (node.type !== 'ImportDeclaration' && !node.source) continue;
        if (node.importKind === 'type' || node.exportKind === 'type' || (node.specifiers ?? []).some((s) => s.importKind === 'type' || s.exportKind === 'type')) {
          // Stand in for the type import with a bare import of the same module, which no transform removes.
          path.unshiftContainer('body', { type: 'ImportDeclaration', specifiers: [], source: node.source, importKind: 'value' });
        }
      }
    },
  },
});

module.exports = {
  babelrc: false,
  configFile: false,
  plugins: [keepTypeImports],
  // Resolved from here: the cruiser may run elsewhere (test/layers.test.ts cruises a temporary tree).
  presets: [[require.resolve('@babel/preset-typescript'), { allowDeclareFields: true }], [require.resolve('@babel/preset-react'), { runtime: 'classic' }]],
};
