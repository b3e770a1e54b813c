// Fails the build when the JavaScript index.html loads at start is over its budget, gzipped.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const BUDGET = 250 * 1024;
const dir = "target/classes/nexus-console";
const html = readFileSync(join(dir, "index.html"), "utf8");
const scripts = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/console\/([^"]+\.js)"/g)].map((m) => m[1]);
if (scripts.length === 0) {
  throw new Error(`no script in ${dir}/index.html`);
}
let total = 0;
for (const file of scripts) {
  total += gzipSync(readFileSync(join(dir, file))).length;
}
const kb = (total / 1024).toFixed(1);
if (total > BUDGET) {
  console.error(`initial JavaScript is ${kb} KB gzipped (budget: ${BUDGET / 1024} KB): ${scripts.join(", ")}`);
  process.exit(1);
}
console.log(`initial JavaScript: ${kb} KB gzipped (budget ${BUDGET / 1024} KB)`);
