// Drives the official TypeScript SDK (@hathora/cloud-sdk-typescript, pinned in package.json)
// against the local benchmark server. Usage:
//   node bench.mjs <serial|concurrent|page|logs> <serverURL> <calls> <concurrency>
// Prints one JSON object with the measurements on stdout.
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const sdk = "@hathora/cloud-sdk-typescript";
const { HathoraCloudCore } = require(`${sdk}/core.js`);
const { buildsV3GetBuild } = require(`${sdk}/funcs/buildsV3GetBuild.js`);
const { buildsV3GetBuilds } = require(`${sdk}/funcs/buildsV3GetBuilds.js`);
const { buildsV3RunBuild } = require(`${sdk}/funcs/buildsV3RunBuild.js`);

const [scenario, serverURL, callsArg, concurrencyArg] = process.argv.slice(2);
const calls = Number(callsArg);
const concurrency = Number(concurrencyArg || "1");
const BUILD_ID = "bld-6d4c6a71-2d75-4b42-94e1-f312f57f33c5";
const core = new HathoraCloudCore({
  hathoraDevToken: "bench-token",
  orgId: "org-6f706e83-0ec1-437a-9a46-7d4281eb2f39",
  serverURL,
});

function check(result) {
  if (!result.ok) throw result.error;
  return result.value;
}

async function getBuild() {
  check(await buildsV3GetBuild(core, BUILD_ID));
}

async function serial() {
  for (let i = 0; i < Math.min(200, calls); i++) await getBuild();
  const latencies = new Float64Array(calls);
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await getBuild();
    latencies[i] = performance.now() - t;
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort();
  const pick = (q) => latencies[Math.min(calls - 1, Math.round((q / 100) * (calls - 1)))];
  return { calls_per_s: calls / elapsed, p50_ms: pick(50), p99_ms: pick(99) };
}

async function concurrent() {
  const run = async (n) => {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        await getBuild();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  await run(Math.min(500, calls));
  const start = performance.now();
  await run(calls);
  return { calls_per_s: calls / ((performance.now() - start) / 1000) };
}

async function page() {
  const fetchPage = async () => {
    const value = check(await buildsV3GetBuilds(core));
    if (value.builds.length !== 10000) throw new Error("wrong page size");
  };
  await fetchPage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) await fetchPage();
  return { ms_per_call: (performance.now() - start) / calls };
}

async function logs() {
  const consume = async () => {
    const stream = check(await buildsV3RunBuild(core, BUILD_ID));
    const decoder = new TextDecoder();
    let pending = "";
    let lines = 0;
    let bytes = 0;
    for await (const chunk of stream) {
      bytes += chunk.length;
      const parts = (pending + decoder.decode(chunk, { stream: true })).split("\n");
      pending = parts.pop();
      lines += parts.length;
    }
    return { bytes, lines };
  };
  const start = performance.now();
  const { bytes } = await consume();
  return { mb_per_s: bytes / 1048576 / ((performance.now() - start) / 1000) };
}

const scenarios = { serial, concurrent, page, logs };
try {
  console.log(JSON.stringify(await scenarios[scenario]()));
} catch (error) {
  console.error(String(error && error.stack ? error.stack : error));
  process.exit(1);
}
