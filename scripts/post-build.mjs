// Post-build step for every trunk bundle (residents' widget, kiosk, organiser console): shrinks
// what trunk leaves in TRUNK_STAGING_DIR without changing behaviour, then renews the `integrity`
// hashes in the HTML.
//
// 1. wasm-opt renames the wasm module's imports and exports to one- or two-letter names. The long
//    wasm-bindgen names carry a 16-digit hash each, which gzip cannot compress, and each name is
//    stored twice (in the wasm and in the JS glue).
// 2. The JS glue is rewritten to the new names, then minified with terser. Trunk's own minifier
//    gives up on wasm-bindgen's `export { … as default }`, and `sw.js` is copied as is.
//
// Release builds only. Every assumption about wasm-bindgen's output is checked; anything unexpected fails the build
// with a message instead of shipping a bundle that cannot start.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) fail("TRUNK_STAGING_DIR is not set: run this from a trunk post_build hook");
// Debug builds (`trunk serve`, `trunk build` without --release) keep their readable names.
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);

function fail(message) {
  console.error(`post-build: ${message}`);
  process.exit(1);
}

const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");
const files = readdirSync(dir);
const original = new Map(); // file name -> its integrity hash before this step

function rewrite(name, bytes) {
  const file = join(dir, name);
  if (!original.has(name)) original.set(name, sri(readFileSync(file)));
  writeFileSync(file, bytes);
}

/** Renames the imports and exports of `wasmName` and rewrites its glue `jsName` to match. */
function minifyNames(wasmName, jsName) {
  const wasmFile = join(dir, wasmName);
  const before = new WebAssembly.Module(readFileSync(wasmFile));
  const modules = [...new Set(WebAssembly.Module.imports(before).map((i) => i.module))];
  if (modules.length > 1) fail(`${wasmName} imports from ${modules.length} modules (${modules.join(", ")}); expected one`);

  const tmp = wasmFile + ".min";
  let printed;
  try {
    printed = execFileSync(
      "wasm-opt",
      [
        wasmFile,
        ...["bulk-memory", "nontrapping-float-to-int", "sign-ext", "reference-types", "multivalue", "mutable-globals"].map((f) => `--enable-${f}`),
        "--minify-imports-and-exports-and-modules", "-o", tmp],
      { encoding: "utf8", maxBuffer: 64 << 20 },
    );
  } catch (e) {
    fail(`wasm-opt could not rename the names of ${wasmName}: ${e.message}`);
  }
  const map = JSON.parse(printed.slice(printed.indexOf("{")));
  const after = new WebAssembly.Module(readFileSync(tmp));
  const newModules = [...new Set(WebAssembly.Module.imports(after).map((i) => i.module))];

  let js = readFileSync(join(dir, jsName), "utf8");
  // The import object: `"./name_bg.js": import0,` and its keys `__wbg_x_0123…: function(…)`.
  if (modules.length === 1) {
    const key = JSON.stringify(modules[0]);
    if (!js.includes(`${key}: `)) fail(`${jsName} has no import object for ${key}`);
    js = js.split(`${key}: `).join(`${JSON.stringify(newModules[0])}: `);
  }
  const imports = new Map(map.imports.map(([, from, to]) => [from, to]));
  js = js.replace(/(^|[{,\s])([A-Za-z_$][\w$]*)(\s*:\s*function\b)/gm, (whole, pre, key, post) =>
    imports.has(key) ? `${pre}${imports.get(key)}${post}` : whole,
  );
  // The exports, always read as `wasm.name`.
  const exports = new Map(map.exports);
  js = js.replace(/\bwasm\.([A-Za-z_$][\w$]*)/g, (whole, key) => {
    if (!exports.has(key)) fail(`${jsName} reads wasm.${key}, which ${wasmName} does not export`);
    return `wasm.${exports.get(key)}`;
  });

  // Check: every import of the new module has its function in the glue.
  for (const { name } of WebAssembly.Module.imports(after)) {
    if (!new RegExp(`(^|[{,\\s])${name.replace(/\$/g, "\\$")}\\s*:\\s*function\\b`, "m").test(js)) {
      fail(`${jsName} has no function for the renamed import "${name}"`);
    }
  }
  rewrite(wasmName, readFileSync(tmp));
  rmSync(tmp);
  return js;
}

const jsOut = new Map();
for (const wasmName of files.filter((f) => f.endsWith("_bg.wasm"))) {
  const jsName = wasmName.replace(/_bg\.wasm$/, ".js");
  if (!files.includes(jsName)) fail(`${wasmName} has no glue file ${jsName}`);
  jsOut.set(jsName, minifyNames(wasmName, jsName));
}

for (const name of files.filter((f) => f.endsWith(".js"))) {
  const source = jsOut.get(name) ?? readFileSync(join(dir, name), "utf8");
  const asModule = jsOut.has(name); // wasm-bindgen glue is an ES module; sw.js a classic script
  const result = await minify(source, {
    module: asModule,
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  }).catch((e) => fail(`terser could not minify ${name}: ${e.message}`));
  rewrite(name, result.code);
}

// Renew the integrity hashes of the rewritten files.
for (const html of files.filter((f) => f.endsWith(".html"))) {
  const file = join(dir, html);
  let text = readFileSync(file, "utf8");
  for (const [name, before] of original) text = text.split(before).join(sri(readFileSync(join(dir, name))));
  writeFileSync(file, text);
}
