// The layers of fanfold, top to bottom (ARCHITECTURE.md). A module may import from its own layer's
// folder and from the layers below it, never from a layer above; no two files may import each other
// in a circle. Type-only imports count: a type is a dependency on what defines it.
const LAYERS = [
  ['index', '^src/index[.]ts$'], // the package's public API
  ['cli', '^src/cli/'],
  ['show', '^src/show/'], // one stored trial run again (fanfold show): reads what report/ reads of a run directory
  ['export', '^src/export/'], // fanfold export: tables of a run directory (reads it as the report does)
  ['report', '^src/report/'],
  ['coordinator', '^src/coordinator/'],
  ['sequencer', '^src/sequencer/'],
  ['reduce', '^src/reduce/'],
  ['executor', '^src/executor/'],
  ['workers', '^workers/'],
  ['results', '^src/results/'],
  ['batch', '^src/batch/'],
  ['search', '^src/search/'],
  ['config', '^src/config/'],
  ['compose', '^src/compose/'],
  ['space', '^src/space/'],
  ['expression', '^src/expression/'],
  ['robustness', '^src/robustness/'],
  ['topology', '^src/topology/'],
  ['signals', '^src/signals/'],
  ['tracing', '^src/tracing/'],
  ['engine', '^src/engine/'],
  ['plugins', '^src/plugins/'],
  ['strategies', '^src/strategies/'],
  ['features', '^src/features/'],
  ['metrics', '^src/metrics/'],
  ['data', '^src/data/'],
  ['common', '^src/common/(?!names[.]ts$)'], // general helpers and the trial key
  ['contract', '^src/(contract|types|errors|version)[.]ts$'], // shared types, errors, the results contract
  ['names', '^src/common/names[.]ts$'], // literals several layers spell
];

const above = (i) => LAYERS.slice(0, i).map(([, path]) => path);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other in a circle cannot be understood, tested or loaded one at a time.',
      from: {},
      to: { circular: true },
    },
    ...LAYERS.slice(1).map(([name, path], i) => ({
      name: `no-upward-from-${name}`,
      severity: 'error',
      comment: `${name} may import only from itself and the layers below it (.dependency-cruiser.cjs, ARCHITECTURE.md).`,
      from: { path },
      to: { path: above(i + 1) },
    })),
    {
      name: 'engine-does-no-io',
      severity: 'error',
      comment: 'The engine computes over the bars it is given: no file, thread, network or process access (that is the layers above).',
      from: { path: '^src/engine/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-unlayered',
      severity: 'error',
      comment: 'Every source file belongs to a layer: add a new folder to LAYERS where it fits.',
      from: { path: '^(src|workers)/', pathNot: LAYERS.map(([, path]) => path) },
      to: {},
    },
    {
      name: 'no-unlayered-import',
      severity: 'error',
      comment: 'An import of a source file that belongs to no layer: add its folder to LAYERS.',
      from: {},
      to: { path: '^(src|workers)/', pathNot: LAYERS.map(([, path]) => path) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|tests|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
