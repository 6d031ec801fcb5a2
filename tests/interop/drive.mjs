// Drive a BuildsV3 server (FakeHathora) through the official TypeScript SDK's standalone functions.
//
// Usage: node drive.mjs <serverURL> <token> <tarball path> [--pause]
//   (or HATHORA_CLOUD_ENDPOINT / HATHORA_TOKEN / INTEROP_TARBALL in the environment).
// With --pause the script writes "@@checkpoint <name>" to stderr at fixed points and waits for one
// line on stdin before going on, so the caller can inspect the server in exactly that state.
// Prints ONE JSON document to stdout: every operation's parsed value (Dates as ISO strings), the
// multipart upload's part results, the decoded log lines and the error case.
// Exits 1 (with the reason on stderr) if any operation does not return `ok`.

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

const args = process.argv.slice(2).filter((a) => a !== "--pause");
const pause = process.argv.includes("--pause");
const serverURL = args[0] ?? process.env.HATHORA_CLOUD_ENDPOINT;
const token = args[1] ?? process.env.HATHORA_TOKEN;
const tarballPath = args[2] ?? process.env.INTEROP_TARBALL;
if (!serverURL || !token || !tarballPath) {
  process.stderr.write("usage: node drive.mjs <serverURL> <token> <tarball> [--pause]\n");
  process.exit(2);
}

const stdinLines = pause ? createInterface({ input: process.stdin })[Symbol.asyncIterator]() : null;

async function checkpoint(name) {
  if (!stdinLines) return;
  process.stderr.write(`@@checkpoint ${name}\n`);
  const next = await stdinLines.next();
  if (next.done) throw new Error(`stdin closed at checkpoint ${name}`);
}

/** Unwrap a Result, or fail the whole run with the error's class and message. */
function ok(operation, result) {
  if (!result.ok) {
    const e = result.error;
    const detail = { operation, name: e?.name, class: e?.constructor?.name, message: e?.message };
    if (e && "statusCode" in e) detail.statusCode = e.statusCode;
    if (e && "body" in e) detail.body = e.body;
    if (e && "rawValue" in e) detail.rawValue = e.rawValue;
    if (e?.cause) detail.cause = String(e.cause);
    throw new Error(`${operation} failed: ${JSON.stringify(detail)}`);
  }
  return result.value;
}

/** Read a ReadableStream<Uint8Array> to the end and split it into lines like the SDKs do. */
async function readLines(stream) {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    text += decoder.decode(chunk, { stream: true });
  }
  text += decoder.decode();
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return { lines, chunks, bytes: Buffer.byteLength(text, "utf-8") };
}

/** PUT every part by hand (plain fetch, no SDK, no token) and POST CompleteMultipartUpload. */
async function uploadMultipart(created, tarball) {
  const chunk = created.maxChunkSize;
  const parts = [...created.uploadParts].sort((a, b) => a.partNumber - b.partNumber);
  const results = [];
  for (const part of parts) {
    const start = (part.partNumber - 1) * chunk;
    const end = Math.min(part.partNumber * chunk, tarball.length);
    const body = tarball.subarray(start, end);
    const response = await fetch(part.putRequestUrl, {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(body.length) },
      body,
    });
    const text = await response.text();
    const etag = response.headers.get("etag");
    if (response.status !== 200 || !etag) {
      throw new Error(`part ${part.partNumber}: HTTP ${response.status}, ETag ${etag}: ${text}`);
    }
    results.push({ partNumber: part.partNumber, size: body.length, status: response.status, etag });
  }
  const xml =
    "<CompleteMultipartUpload>" +
    results
      .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${p.etag}</ETag></Part>`)
      .join("") +
    "</CompleteMultipartUpload>";
  const response = await fetch(created.completeUploadPostRequestUrl, {
    method: "POST",
    headers: { "Content-Type": "application/xml" },
    body: xml,
  });
  const text = await response.text();
  if (response.status !== 200 || text.includes("<Error>")) {
    throw new Error(`CompleteMultipartUpload: HTTP ${response.status}: ${text}`);
  }
  return { parts: results, complete: { status: response.status, body: text } };
}

async function main() {
  const tarball = await readFile(tarballPath);
  const core = new HathoraCloudCore({ serverURL, hathoraDevToken: token });
  const out = { sdkVersion: "2.25.6" };

  const created = ok(
    "createBuild",
    await buildsV3CreateBuild(core, { buildSizeInBytes: tarball.length, buildTag: "interop-0.1.0" }),
  );
  out.createBuild = created;
  const buildId = created.buildId;
  out.upload = await uploadMultipart(created, tarball);
  out.getBuildUploaded = ok("getBuild", await buildsV3GetBuild(core, buildId));
  out.getBuildsUploaded = ok("getBuilds", await buildsV3GetBuilds(core));
  await checkpoint("uploaded");

  const stream = ok("runBuild", await buildsV3RunBuild(core, buildId));
  out.runBuild = await readLines(stream);
  out.getBuildRan = ok("getBuild", await buildsV3GetBuild(core, buildId));

  const registry = ok(
    "createBuildRegistry",
    await buildsV3CreateBuildRegistry(core, { buildTag: "interop-registry" }),
  );
  out.createBuildRegistry = registry;
  const registryStream = ok(
    "runBuildRegistry",
    await buildsV3RunBuildRegistry(core, registry.buildId, { image: "hathora/interop-server:1.0" }),
  );
  out.runBuildRegistry = await readLines(registryStream);
  out.getBuildRegistryRan = ok("getBuild", await buildsV3GetBuild(core, registry.buildId));
  out.getBuildsRan = ok("getBuilds", await buildsV3GetBuilds(core));
  await checkpoint("ran");

  out.deleteBuild = ok("deleteBuild", await buildsV3DeleteBuild(core, registry.buildId));
  out.getBuildsDeleted = ok("getBuilds", await buildsV3GetBuilds(core));

  const missing = await buildsV3GetBuild(core, "bld-does-not-exist");
  if (missing.ok) throw new Error("getBuild on an unknown id returned ok");
  const e = missing.error;
  out.errorCase = {
    buildId: "bld-does-not-exist",
    name: e.name,
    className: e.constructor.name,
    statusCode: e.statusCode,
    message: e.message,
    contentType: e.contentType,
  };

  process.stdout.write(JSON.stringify(out) + "\n");
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`drive.mjs: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
