// The client's bundle size as an application would ship it: bundled, minified,
// and gzipped (docs/benchmarks.md). Run `npm run build` first.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";

const out = await build({
  entryPoints: ["dist/index.js"],
  bundle: true,
  minify: true,
  format: "esm",
  write: false,
});
const code = out.outputFiles[0].contents;
const gzipped = gzipSync(code, { level: 9 });
console.log(`client: ${code.length} bytes minified, ${gzipped.length} bytes gzipped (target: 12,288 gzipped)`);
