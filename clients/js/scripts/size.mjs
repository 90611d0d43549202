// Bundle sizes as an application would ship them: bundled, minified, and
// gzipped (docs/benchmarks.md). Run `npm run build` first.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";

async function measure(entry) {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
  });
  const code = out.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

const client = await measure("dist/index.js");
console.log(`client: ${client.minified} bytes minified, ${client.gzipped} bytes gzipped (target: 12,288 gzipped)`);
const panel = await measure("dist/embed.js");
console.log(
  `panel (client + <sideline-room>, dist/sideline-panel.js): ${panel.minified} bytes minified, ${panel.gzipped} bytes gzipped (target: 40,960 gzipped)`,
);
