// Builds dist/app.js and dist/app.css (minified). Run with `npm run build`;
// commit dist/. Only the ECharts modules imported in src/main.js are bundled.
import { build } from 'esbuild';

await build({
  entryPoints: { app: 'src/main.js' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  sourcemap: false,
  logLevel: 'info',
});
await build({ entryPoints: { app: 'src/style.css' }, outdir: 'dist', bundle: true, minify: true, logLevel: 'info' });
