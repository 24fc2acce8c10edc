// The browser's files, into dist/public where the service serves them from:
// app/main.ts bundled by esbuild (with eventsource-parser) into app.js, and
// the style sheet and icon copied as they are, the page with the service's prefix put in. Run by `npm run bundle`
// after tsc has checked app/ (the root build runs every workspace's bundle).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// Built beside the served folder, then moved in file by file (a rename is atomic): a build while the
// service runs (`stack/mesh restart` of any service builds them all) never leaves a moment without the page.
const served = new URL('./dist/public/', import.meta.url);
const out = new URL('./dist/public.next/', import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('./app/main.ts', import.meta.url).pathname],
  outfile: new URL('app.js', out).pathname,
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const file of ['style.css', 'favicon.svg'])
  copyFileSync(new URL(`./app/${file}`, import.meta.url), new URL(file, out));
// The prefix is mesh.json's, written once there.
const { prefix } = JSON.parse(readFileSync(new URL('../mesh.json', import.meta.url), 'utf8')).services['web-client'];
const page = readFileSync(new URL('./app/index.html', import.meta.url), 'utf8');
writeFileSync(new URL('index.html', out), page.replaceAll('%PREFIX%', prefix));
mkdirSync(served, { recursive: true });
const built = new Set(readdirSync(out));
for (const file of built) renameSync(new URL(file, out), new URL(file, served));
for (const file of readdirSync(served)) if (!built.has(file)) rmSync(new URL(file, served), { force: true });
rmSync(out, { recursive: true, force: true });
