// Builds dist/graphiql.js and dist/graphiql.css (minified, single files).
// Run with `npm run build`.
import { build } from 'esbuild';

await build({
  entryPoints: { graphiql: 'src/main.jsx' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  sourcemap: false,
  logLevel: 'info',
  // Fonts/images referenced by the GraphiQL CSS are inlined as data: URLs
  // so the CSS stays a single self-contained file.
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.png': 'dataurl', '.svg': 'dataurl' },
});
