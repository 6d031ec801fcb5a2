// Run a table of single calls through the official TypeScript SDK and report each outcome.
//
// Usage: node table.mjs <serverURL> <token> <cases.json>
// cases.json is a JSON array of {id, op, args, client}; see tests/interop/cases.py.
// For each case the script writes "@@case <id>" to stderr and reads one JSON line from stdin with
// per-side argument overrides (the caller prepares the server in the meantime); it then makes the
// call, writes "@@outcome <id> <json>" and waits for one more stdin line before the next case.
// Every outcome has a `kind`: "ok", the SDK error class name (ApiError, SDKError,
// ResponseValidationError, ConnectionError, ...), or "raw:<name>" when the SDK threw something
// that is not one of its own errors. Unhandled promise rejections are attributed to the case
// that caused them (TS 2.25.6 leaves some behind; Node would otherwise exit 1).

import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";

import { HathoraCloudCore } from "@hathora/cloud-sdk-typescript/core.js";
import { buildsV3CreateBuild } from "@hathora/cloud-sdk-typescript/funcs/buildsV3CreateBuild.js";
import { buildsV3CreateBuildRegistry } from "@hathora/cloud-sdk-typescript/funcs/buildsV3CreateBuildRegistry.js";
import { buildsV3DeleteBuild } from "@hathora/cloud-sdk-typescript/funcs/buildsV3DeleteBuild.js";
import { buildsV3GetBuild } from "@hathora/cloud-sdk-typescript/funcs/buildsV3GetBuild.js";
import { buildsV3GetBuilds } from "@hathora/cloud-sdk-typescript/funcs/buildsV3GetBuilds.js";
import { buildsV3RunBuild } from "@hathora/cloud-sdk-typescript/funcs/buildsV3RunBuild.js";
import { buildsV3RunBuildRegistry } from "@hathora/cloud-sdk-typescript/funcs/buildsV3RunBuildRegistry.js";
import { deploymentsV3CreateDeployment } from "@hathora/cloud-sdk-typescript/funcs/deploymentsV3CreateDeployment.js";
import { deploymentsV3GetDeployment } from "@hathora/cloud-sdk-typescript/funcs/deploymentsV3GetDeployment.js";
import { deploymentsV3GetDeployments } from "@hathora/cloud-sdk-typescript/funcs/deploymentsV3GetDeployments.js";
import { deploymentsV3GetLatestDeployment } from "@hathora/cloud-sdk-typescript/funcs/deploymentsV3GetLatestDeployment.js";

// One entry per operation: how the table's JSON arguments become the TS call (positional).
const CALLS = {
  getBuilds: (core, a) => buildsV3GetBuilds(core, a.orgId),
  createBuild: (core, a) => buildsV3CreateBuild(core, a.params, a.orgId),
  getBuild: (core, a) => buildsV3GetBuild(core, a.buildId, a.orgId),
  deleteBuild: (core, a) => buildsV3DeleteBuild(core, a.buildId, a.orgId),
  createBuildRegistry: (core, a) => buildsV3CreateBuildRegistry(core, a.params, a.orgId),
  runBuild: (core, a) => buildsV3RunBuild(core, a.buildId, a.orgId),
  runBuildRegistry: (core, a) => buildsV3RunBuildRegistry(core, a.buildId, a.registryConfig, a.orgId),
  getDeployments: (core, a) => deploymentsV3GetDeployments(core, a.appId, a.deploymentTag, a.buildTag),
  createDeployment: (core, a) => deploymentsV3CreateDeployment(core, a.config, a.appId),
  getLatestDeployment: (core, a) => deploymentsV3GetLatestDeployment(core, a.appId),
  getDeployment: (core, a) => deploymentsV3GetDeployment(core, a.deploymentId, a.appId),
};
const SDK_ERRORS = new Set([
  "ApiError",
  "SDKError",
  "ResponseValidationError",
  "SDKValidationError",
  "ConnectionError",
  "RequestTimeoutError",
  "RequestAbortedError",
  "InvalidRequestError",
  "UnexpectedClientError",
]);

const [serverURL, token, casesPath] = process.argv.slice(2);
if (!serverURL || !token || !casesPath) {
  process.stderr.write("usage: node table.mjs <serverURL> <token> <cases.json>\n");
  process.exit(2);
}
const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let unhandled = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason?.name ?? String(reason)));

async function exchange(message) {
  process.stderr.write(`${message}\n`);
  const next = await stdinLines.next();
  if (next.done) throw new Error(`stdin closed after: ${message}`);
  return next.value;
}

function kindOf(error) {
  const name = error?.name ?? typeof error;
  return SDK_ERRORS.has(name) ? name : `raw:${name}`;
}

function describeError(error) {
  const out = { kind: kindOf(error), message: String(error?.message ?? error).slice(0, 300) };
  if (typeof error?.statusCode === "number") out.status = error.statusCode;
  return out;
}

/** Read a log stream to the end; a failure while reading is reported, not thrown. */
async function drain(stream) {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let error = null;
  try {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
  } catch (e) {
    error = kindOf(e);
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return { lines: lines.length, first: lines[0] ?? null, last: lines.at(-1) ?? null, error };
}

function client(options) {
  const config = { serverURL };
  if (options.token === "valid" || options.token === undefined) config.hathoraDevToken = token;
  else if (options.token !== "none") config.hathoraDevToken = options.token;
  if (options.orgId !== undefined) config.orgId = options.orgId;
  if (options.retries) {
    config.retryConfig = {
      strategy: "backoff",
      backoff: { initialInterval: 1, maxInterval: 5, exponent: 1.1, maxElapsedTime: 5000 },
      retryConnectionErrors: false,
    };
  }
  return new HathoraCloudCore(config);
}

async function runCase(testCase, overrides) {
  const args = { ...testCase.args, ...overrides };
  let result;
  try {
    result = await CALLS[testCase.op](client(testCase.client ?? {}), args);
  } catch (error) {
    return { ...describeError(error), threw: true };
  }
  if (!result.ok) return describeError(result.error);
  const value = result.value;
  if (value && typeof value.getReader === "function") return { kind: "ok", stream: await drain(value) };
  return { kind: "ok", value };
}

async function main() {
  const cases = JSON.parse(await readFile(casesPath, "utf-8"));
  for (const testCase of cases) {
    const overrides = JSON.parse(await exchange(`@@case ${testCase.id}`));
    unhandled = [];
    const outcome = await runCase(testCase, overrides);
    // Let pending rejections surface and be counted against this case.
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (unhandled.length > 0) outcome.unhandled = unhandled;
    await exchange(`@@outcome ${testCase.id} ${JSON.stringify(outcome)}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`table.mjs: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
