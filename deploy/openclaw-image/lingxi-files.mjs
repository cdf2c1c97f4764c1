#!/usr/bin/env node
// Puts a Lingxi gateway's files on its state volume. Three modes:
//
//   node lingxi-files.mjs seed    Kubernetes init container: copies the seed Secret's files.json to
//                                 the state directory before the gateway starts, once per seed hash
//   node lingxi-files.mjs serve   Kubernetes sidecar: PUT /v1/files writes files while the gateway
//                                 runs, for instance-service only (NetworkPolicy), with the gateway's
//                                 token
//   node lingxi-files.mjs run     the container runtime's entry point: applies the batches of files
//                                 instance-service left in /data/.lingxi-pending while the container
//                                 was stopped (in name order, each removed once applied), then runs
//                                 the gateway with the file service beside it, and exits with the
//                                 gateway's exit code (78: configuration refused)
//
// Every file is written as a temporary file in the target's folder and renamed over it, so the
// gateway (which hot-reloads workspace files) never reads half a file. Paths are relative to the
// state directory and never leave it. No dependencies beyond Node's standard library.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';

const CONFIG_ERROR = 78; // what OpenClaw exits with on a bad configuration (EX_CONFIG)
const STATE = resolve(process.env.OPENCLAW_STATE_DIR || '/data/home/.openclaw');
const MARKER = join(STATE, '.lingxi-seed');
const MAX_BYTES = Number(process.env.LINGXI_FILES_MAX_BYTES || 16 * 1024 * 1024);
const MAX_FILES = Number(process.env.LINGXI_FILES_MAX_COUNT || 2000);

function log(message) {
  process.stdout.write(`${new Date().toISOString()} lingxi-files ${message}\n`);
}

class BadRequest extends Error {}

function checkPath(path) {
  if (typeof path !== 'string' || path.length === 0 || path.length > 512 || isAbsolute(path)
      || path.includes('\\') || path.includes('\0') || path.split('/').some((part) => part === '..' || part === '')) {
    throw new BadRequest(`unsafe path: ${JSON.stringify(path)}`);
  }
  const target = resolve(STATE, path);
  if (!target.startsWith(STATE + sep)) {
    throw new BadRequest(`path outside the state directory: ${JSON.stringify(path)}`);
  }
  return target;
}

function bytesOf(file) {
  if (typeof file.content !== 'string') {
    throw new BadRequest(`no content for ${file.path}`);
  }
  return file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : Buffer.from(file.content, 'utf8');
}

/** Writes one file atomically; the folder is resolved so a symlink cannot lead elsewhere. */
async function writeAtomically(path, bytes) {
  const target = checkPath(path);
  const root = await realpath(STATE);
  const inside = async (folder) => {
    const real = await realpath(folder);
    if (real !== root && !real.startsWith(root + sep)) {
      throw new BadRequest(`path leaves the state directory through a link: ${JSON.stringify(path)}`);
    }
    return real;
  };
  // The nearest existing folder must be inside before any folder is made below it.
  let existing = dirname(target);
  while (!existsSync(existing)) {
    existing = dirname(existing);
  }
  await inside(existing);
  await mkdir(dirname(target), { recursive: true, mode: 0o750 });
  const folder = await inside(dirname(target));
  const executable = path.startsWith('skills/') && path.includes('/scripts/');
  const temp = join(folder, `.lingxi-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', executable ? 0o750 : 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, join(folder, basename(target)));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function writeAll(files) {
  if (!Array.isArray(files)) {
    throw new BadRequest('files must be an array');
  }
  if (files.length > MAX_FILES) {
    throw new BadRequest(`more than ${MAX_FILES} files`);
  }
  const prepared = files.map((file) => ({ path: file.path, bytes: bytesOf(file) }));
  prepared.forEach((file) => checkPath(file.path));
  // In the order given: workspace files before openclaw.json, which comes last.
  for (const file of prepared) {
    await writeAtomically(file.path, file.bytes);
  }
}

// --- seed (init container) ---

async function seed() {
  const dir = process.env.LINGXI_SEED_DIR || '/seed';
  await mkdir(STATE, { recursive: true, mode: 0o750 });
  if (process.env.HOME) {
    await mkdir(process.env.HOME, { recursive: true, mode: 0o750 });
  }
  const shaFile = join(dir, 'sha256');
  if (!existsSync(shaFile)) {
    if (existsSync(join(STATE, 'openclaw.json'))) {
      log('no seed: keeping the state on the volume');
      return 0;
    }
    log('no seed and no openclaw.json on the volume: nothing to start the gateway with');
    return CONFIG_ERROR;
  }
  const sha = (await readFile(shaFile, 'utf8')).trim();
  const applied = existsSync(MARKER) ? (await readFile(MARKER, 'utf8')).trim() : '';
  if (applied === sha) {
    log(`seed ${sha.slice(0, 12)} already applied: keeping the state on the volume`);
    return 0;
  }
  const document = await readFile(join(dir, 'files.json'));
  if (createHash('sha256').update(document).digest('hex') !== sha) {
    log('seed files do not match their hash (Secret being updated?): retrying');
    return 1;
  }
  const files = JSON.parse(document.toString('utf8'));
  await writeAll(files);
  await writeFile(`${MARKER}.tmp`, `${sha}\n`, { mode: 0o640 });
  await rename(`${MARKER}.tmp`, MARKER);
  log(`seed ${sha.slice(0, 12)} applied: ${files.length} files`);
  return 0;
}

// --- serve (sidecar) ---

function authorized(header) {
  const token = process.env.OPENCLAW_GATEWAY_TOKEN || '';
  if (!token || typeof header !== 'string' || !header.startsWith('Bearer ')) {
    return false;
  }
  const expected = createHash('sha256').update(token).digest();
  const given = createHash('sha256').update(header.slice('Bearer '.length)).digest();
  return timingSafeEqual(expected, given);
}

function answer(response, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  response.end(text);
}

async function readBody(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BYTES) {
      throw new BadRequest(`body larger than ${MAX_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function serve() {
  const port = Number(process.env.LINGXI_FILES_PORT || 18950);
  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url, 'http://localhost');
      if (request.method === 'GET' && url.pathname === '/healthz') {
        return answer(response, 200, { ok: true });
      }
      if (url.pathname !== '/v1/files') {
        return answer(response, 404, { error: 'not found' });
      }
      if (request.method !== 'PUT') {
        return answer(response, 405, { error: 'use PUT' });
      }
      if (!authorized(request.headers.authorization)) {
        return answer(response, 401, { error: 'unauthorized' });
      }
      const body = JSON.parse(await readBody(request));
      await writeAll(body.files);
      log(`wrote ${body.files.length} files`);
      return answer(response, 204);
    } catch (error) {
      const bad = error instanceof BadRequest || error instanceof SyntaxError;
      log(`${bad ? 'refused' : 'failed'}: ${error.message}`);
      return answer(response, bad ? 400 : 500, { error: error.message });
    }
  });
  server.requestTimeout = 60_000;
  server.listen(port, '0.0.0.0', () => log(`serving ${STATE} on port ${port}`));
  return server;
}

// --- run (container runtime) ---

const PENDING = resolve(process.env.LINGXI_PENDING_DIR || '/data/.lingxi-pending');
const GATEWAY_PORT = process.env.LINGXI_GATEWAY_PORT || '18789';

async function applyPending() {
  await mkdir(STATE, { recursive: true, mode: 0o750 });
  if (process.env.HOME) {
    await mkdir(process.env.HOME, { recursive: true, mode: 0o750 });
  }
  if (!existsSync(PENDING)) {
    return;
  }
  const batches = (await readdir(PENDING)).filter((name) => name.endsWith('.json')).sort();
  for (const name of batches) {
    const files = JSON.parse(await readFile(join(PENDING, name), 'utf8'));
    await writeAll(files);
    await rm(join(PENDING, name));
    log(`applied ${name}: ${files.length} files`);
  }
}

async function run() {
  await applyPending();
  if (!existsSync(join(STATE, 'openclaw.json'))) {
    log('no openclaw.json on the volume: nothing to start the gateway with');
    return CONFIG_ERROR;
  }
  const server = serve();
  const entry = process.env.LINGXI_OPENCLAW_ENTRY || '/opt/openclaw/node_modules/openclaw/openclaw.mjs';
  const gateway = spawn(process.execPath, [entry, 'gateway', 'run', '--port', GATEWAY_PORT, '--bind', 'lan'],
    { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => gateway.kill(signal));
  }
  return new Promise((done) => {
    gateway.on('exit', (code, signal) => {
      log(`gateway exited with ${code ?? signal}`);
      server.close();
      done(code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1));
    });
  });
}

const mode = process.argv[2];
if (mode === 'seed') {
  seed().then((code) => process.exit(code), (error) => {
    log(`seed failed: ${error.message}`);
    process.exit(1);
  });
} else if (mode === 'serve') {
  const server = serve();
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (mode === 'run') {
  run().then((code) => process.exit(code), (error) => {
    log(`start failed: ${error.message}`);
    process.exit(error instanceof BadRequest || error instanceof SyntaxError ? CONFIG_ERROR : 1);
  });
} else {
  process.stderr.write('usage: lingxi-files.mjs seed|serve|run\n');
  process.exit(2);
}
