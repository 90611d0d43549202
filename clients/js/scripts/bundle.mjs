// The embeddable panel as one file: dist/sideline-panel.js, an ES module with
// the client and `<sideline-room>` (defined on load), bundled and minified from
// what tsc wrote to dist/ (run after `tsc`; `npm run build` does both).
import { build } from "esbuild";

await build({
  entryPoints: ["dist/embed.js"],
  outfile: "dist/sideline-panel.js",
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
});
