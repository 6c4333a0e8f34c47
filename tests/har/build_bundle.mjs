// Bundles Chrome DevTools' own HAR model (front_end/models/har: HARFormat.ts,
// Importer.ts and everything they import: core/sdk NetworkRequest, core/common,
// core/platform, ...) from the pinned chrome-devtools-frontend npm package into
// one ES module that node can import. Run by setup.sh inside the cache
// directory:  node build_bundle.mjs OUT_DIR
//
// DevTools' sources are used untouched. The single replaced module is
// core/i18n/locales.js, which DevTools' GN build *generates* (from
// core/i18n/generate-locales-js.js) and which is therefore absent from the
// package; it is recreated with the same exports, en-US only. It only feeds
// UI string lookup and has no part in HAR parsing or validation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const esbuild = require('esbuild');

const outDir = path.resolve(process.argv[2] || '.');
const pkgDir = path.dirname(require.resolve('chrome-devtools-frontend/package.json'));
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const entry = path.join(pkgDir, 'front_end/models/har/har.ts');

const generatedLocales = {
  name: 'devtools-generated-locales',
  setup(build) {
    build.onResolve({filter: /^\.\/locales\.js$/}, args => {
      if (!args.importer.endsWith(path.join('core', 'i18n', 'i18nImpl.ts'))) {
        return undefined;
      }
      return {path: 'core/i18n/locales.js', namespace: 'devtools-generated'};
    });
    build.onLoad({filter: /.*/, namespace: 'devtools-generated'}, () => ({
      loader: 'js',
      contents: [
        "export const LOCALES = ['en-US'];",
        "export const BUNDLED_LOCALES = ['en-US'];",
        "export const DEFAULT_LOCALE = 'en-US';",
        "export const REMOTE_FETCH_PATTERN = '';",
        "export const LOCAL_FETCH_PATTERN = '';",
      ].join('\n'),
    }));
  },
};

const result = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  outfile: path.join(outDir, 'devtools-har.mjs'),
  plugins: [generatedLocales],
  metafile: true,
  logLevel: 'error',
  legalComments: 'none',
});

const inputs = Object.keys(result.metafile.inputs);
const replaced = inputs.filter(i => i.startsWith('devtools-generated:'));
const fromPackage = inputs.filter(i => !i.startsWith('devtools-generated:'));
for (const needed of ['models/har/HARFormat.ts', 'models/har/Importer.ts', 'core/sdk/NetworkRequest.ts']) {
  if (!fromPackage.some(i => i.endsWith(needed))) {
    throw new Error(`bundle is missing DevTools' ${needed}`);
  }
}
fs.writeFileSync(path.join(outDir, 'devtools-har.json'), JSON.stringify({
  devtoolsPackage: `${pkg.name}@${pkg.version}`,
  esbuild: esbuild.version,
  modulesFromPackage: fromPackage.length,
  generatedModules: replaced.map(i => i.slice('devtools-generated:'.length)),
}, null, 2) + '\n');
console.error(`bundled ${fromPackage.length} DevTools modules from ${pkg.name}@${pkg.version}` +
              ` (+ generated ${replaced.length}: ${replaced.join(', ')})`);
