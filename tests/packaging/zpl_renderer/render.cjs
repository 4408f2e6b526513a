// Renders the ZPL on stdin (one or more ^XA...^XZ labels) and writes a JSON list of base64
// PNGs, one per label, to stdout: node render.cjs WIDTH_MM HEIGHT_MM DOTS_PER_MM
const { ready } = require("zpl-renderer-js");
const fs = require("node:fs");

(async () => {
  const [width, height, dpmm] = process.argv.slice(2).map(Number);
  const { api } = await ready;
  const zpl = fs.readFileSync(0, "utf8");
  const labels = await api.zplToBase64MultipleAsync(zpl, width, height, dpmm);
  process.stdout.write(JSON.stringify(labels), () => process.exit(0));
})().catch((error) => {
  process.stderr.write(String(error) + "\n");
  process.exit(1);
});
