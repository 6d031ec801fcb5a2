// Drives the official TypeScript SDK (@hathora/cloud-sdk-typescript, pinned in package.json)
// against the local benchmark server. Usage:
//   node bench.mjs <serial|concurrent|page|logs> <serverURL> <calls> <concurrency>
// Prints one JSON object with the measurements on stdout: the rate, the CPU the process spent
// (process.cpuUsage: user + system, every thread) and the longest event-loop stall, measured like
// the Python side does: a 1 ms timer chain noting how late each timer fires.
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

function stallMonitor() {
  let longest = 0;
  let due = performance.now() + 1;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - due);
    due = now + 1;
    timer = setTimeout(tick, 1);
  };
  let timer = setTimeout(tick, 1);
  return () => {
    longest = Math.max(longest, performance.now() - due);
    clearTimeout(timer);
    return longest;
  };
}

// Run fn once, timed: wall seconds, CPU seconds, the longest loop stall in ms.
async function measured(fn) {
  const stop = stallMonitor();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6, stall_ms: stop() };
}

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
  const m = await measured(async () => {
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await getBuild();
      latencies[i] = performance.now() - t;
    }
  });
  latencies.sort();
  const pick = (q) => latencies[Math.min(calls - 1, Math.round((q / 100) * (calls - 1)))];
  return {
    calls_per_s: calls / m.wall,
    cpu_us_per_call: (m.cpu / calls) * 1e6,
    p50_ms: pick(50),
    p99_ms: pick(99),
    stall_ms: m.stall_ms,
  };
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
  const m = await measured(() => run(calls));
  return {
    calls_per_s: calls / m.wall,
    cpu_us_per_call: (m.cpu / calls) * 1e6,
    stall_ms: m.stall_ms,
  };
}

async function page() {
  const fetchPage = async () => {
    const value = check(await buildsV3GetBuilds(core));
    if (value.builds.length !== 10000) throw new Error("wrong page size");
  };
  await fetchPage();
  const m = await measured(async () => {
    for (let i = 0; i < calls; i++) await fetchPage();
  });
  return {
    ms_per_call: (m.wall * 1000) / calls,
    cpu_ms_per_call: (m.cpu * 1000) / calls,
    stall_ms: m.stall_ms,
  };
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
  await consume(); // warm-up, as the Python contenders get
  let bytes = 0;
  const m = await measured(async () => {
    bytes = (await consume()).bytes;
  });
  const mib = bytes / 1048576;
  return { mib_per_s: mib / m.wall, cpu_s_per_gib: m.cpu / (mib / 1024), stall_ms: m.stall_ms };
}

const scenarios = { serial, concurrent, page, logs };
try {
  console.log(JSON.stringify(await scenarios[scenario]()));
} catch (error) {
  console.error(String(error && error.stack ? error.stack : error));
  process.exit(1);
}
