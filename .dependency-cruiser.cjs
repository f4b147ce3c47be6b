/**
 * The layering of src/, checked in CI (`npm run lint:layers`). Each top-level folder may import
 * only the folders in layers below its own, plus the ones listed beside it; so there can be no
 * cycle between top-level folders. The two servers, oauth/ (the authorization server) and
 * resources/ (the resource server), share what they need through tokens/ and never import each
 * other. oidc-provider is imported by one module only: the engine's factory.
 */
const LAYERS = [
  ['common', 'config'],
  ['database'],
  ['audit', 'identity', 'keys', 'mail'],
  ['tokens'],
  ['oauth', 'resources'],
  ['people'],
  ['account', 'examples'],
  ['admin'],
  ['api-docs', 'health', 'observability'],
  ['cli', 'app'],
];

/** The one module allowed to import oidc-provider (runtime and types). */
const ENGINE = '^src/oauth/provider/engine[.]ts$';

const folder = (name) => (name === 'app' ? 'app[.][a-z]+[.]ts|main[.]ts' : `${name}/`);

const layerRules = LAYERS.flatMap((layer, index) => {
  const allowed = LAYERS.slice(0, index + 1)
    .flat()
    .map(folder);
  return layer.map((name) => {
    // Folders of one layer may import each other, except the two servers.
    const siblings = name === 'oauth' ? ['resources'] : name === 'resources' ? ['oauth'] : [];
    const permitted = allowed.filter((f) => !siblings.map(folder).includes(f));
    return {
      name: `layer-${name}`,
      comment: `src/${name} may import only src/{${permitted.join(', ')}} of ours`,
      severity: 'error',
      from: { path: `^src/(${folder(name)})` },
      to: { path: '^src/', pathNot: `^src/(${permitted.join('|')})` },
    };
  });
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'no import cycles between modules either',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'engine-in-one-place',
      comment: 'only src/oauth/provider/engine.ts imports oidc-provider; others use its exports',
      severity: 'error',
      from: { path: '^(src|test)/', pathNot: ENGINE },
      to: { path: 'node_modules/oidc-provider/' },
    },
    {
      name: 'cli-without-engine',
      comment: 'the CLI opens the database and services only: never oidc-provider (nor its pages)',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: ENGINE, reachable: true },
    },
    {
      name: 'src-not-from-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    exclude: { path: '[.]spec[.]ts$' },
  },
};
