// Helpers that run the llmtap binary (from $LLMTAP_BIN): `serve` as a child
// process with its banner parsed, `export`, and the JSON API on the UI address.
// Every wait here is bounded and says what it saw when it gives up.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** binPath returns $LLMTAP_BIN, or throws a message that says how to set it. */
export function binPath() {
  const bin = process.env.LLMTAP_BIN;
  if (!bin) {
    throw new Error('LLMTAP_BIN is not set: build the binary (cd .. && go build -tags sqlite_fts5 -o bin/llmtap ./cmd/llmtap) '
      + 'and run LLMTAP_BIN=$PWD/../bin/llmtap npm test');
  }
  const abs = path.resolve(bin);
  try {
    fs.accessSync(abs, fs.constants.X_OK);
  } catch (err) {
    throw new Error(`LLMTAP_BIN=${bin}: not an executable file (${err.code})`);
  }
  return abs;
}

/** generateData fills dataDir with n synthetic conversations (`llmtap generate`), unless it holds some already. */
export function generateData(dataDir, n) {
  if (fs.existsSync(path.join(dataDir, 'llmtap.db'))) return Promise.resolve();
  return new Promise((resolve, reject) => {
    execFile(binPath(), ['generate', '--data', dataDir, '--conversations', String(n)],
      { timeout: 45 * 60 * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`llmtap generate: ${err.message}\n${stderr.slice(-2000)}`)) : resolve()));
  });
}

/** tempDir makes a fresh directory for one test's data. */
export function tempDir(prefix = 'llmtap-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** removeTempDirs removes a test's folders, or with LLMTAP_E2E_KEEP set keeps them and says where. */
export function removeTempDirs(...dirs) {
  if (process.env.LLMTAP_E2E_KEEP) {
    console.log(`kept ${dirs.join(' and ')}`);
    return;
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * parseBanner finds the proxy and UI URLs in serve's startup output, from lines like
 * `  proxy:     http://127.0.0.1:PORT`. Fields are undefined until seen.
 */
export function parseBanner(text) {
  const proxy = /^\s*proxy:\s+(https?:\/\/[^\s/]+)/m.exec(text)?.[1];
  const ui = /^\s*ui:\s+(https?:\/\/[^\s/]+)/m.exec(text)?.[1];
  return { proxy, ui };
}

// Children still running when the test process ends are killed, so a failing or
// interrupted test never leaves a serve behind.
const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/**
 * startServe runs `llmtap serve` on free 127.0.0.1 ports and resolves once its
 * banner shows both addresses.
 * @param {{target: string, dataDir: string, args?: string[], timeoutMs?: number}} o
 * @returns {Promise<Serve>}
 *
 * @typedef {object} Serve
 * @property {string} proxyURL  e.g. http://127.0.0.1:41234
 * @property {string} uiURL
 * @property {string} dataDir
 * @property {import('node:child_process').ChildProcess} proc
 * @property {() => string} stdout  everything printed so far
 * @property {() => string} stderr
 * @property {() => string} describe  the command line and all output, for failure messages
 * @property {(signal?: string, timeoutMs?: number) => Promise<{code: number|null, signal: string|null}>} stop
 *   sends signal (SIGTERM) and waits for the exit; SIGKILLs it after timeoutMs and rejects.
 * @property {() => void} kill  SIGKILL if still running (for after hooks)
 */
export async function startServe({ target, dataDir, args = [], timeoutMs = 20000 }) {
  const bin = binPath();
  const argv = ['serve', '--listen', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--data', dataDir, '--target', target, ...args];
  const proc = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LLMTAP_DATA_DIR: dataDir } });
  children.add(proc);
  let out = '';
  let errOut = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  proc.stderr.setEncoding('utf8').on('data', (d) => { errOut += d; });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { children.delete(proc); resolve({ code, signal }); });
  });
  const describe = () => `llmtap ${argv.join(' ')}\n--- stdout ---\n${out}\n--- stderr ---\n${errOut}`;

  const banner = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`serve printed no proxy:/ui: banner within ${timeoutMs} ms\n${describe()}`)), timeoutMs);
    const check = () => {
      const b = parseBanner(out);
      if (b.proxy && b.ui) finish(null, b);
    };
    const onExit = ({ code, signal }) => finish(new Error(`serve exited (code ${code}, signal ${signal}) before its banner\n${describe()}`));
    const onError = (err) => finish(new Error(`spawn ${bin}: ${err.message}`));
    let done = false;
    function finish(err, b) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.stdout.off('data', check);
      proc.off('error', onError);
      if (err) { proc.kill('SIGKILL'); reject(err); } else resolve(b);
    }
    proc.stdout.on('data', check);
    proc.on('error', onError);
    exited.then(onExit);
    check();
  });

  let stopped = null;
  return {
    proxyURL: banner.proxy,
    uiURL: banner.ui,
    dataDir,
    proc,
    stdout: () => out,
    stderr: () => errOut,
    describe,
    stop(signal = 'SIGTERM', stopTimeoutMs = 15000) {
      if (stopped) return stopped;
      stopped = (async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        let timer;
        const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), stopTimeoutMs); });
        const res = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (res === 'timeout') {
          proc.kill('SIGKILL');
          throw new Error(`serve did not exit within ${stopTimeoutMs} ms of ${signal}\n${describe()}`);
        }
        return res;
      })();
      return stopped;
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/**
 * runExport runs `llmtap export` and resolves with its output; it rejects (with
 * the output) when the command fails or runs longer than timeoutMs.
 * @returns {Promise<{stdout: string, stderr: string, written: number|undefined, invalid: number|undefined}>}
 */
export function runExport({ dataDir, format, out, args = [], timeoutMs = 30000 }) {
  const bin = binPath();
  const argv = ['export', '--data', dataDir, '--format', format, '--out', out, ...args];
  return new Promise((resolve, reject) => {
    execFile(bin, argv, { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, LLMTAP_DATA_DIR: dataDir } },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`llmtap ${argv.join(' ')} failed: ${err.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
          return;
        }
        resolve({ stdout, stderr, ...parseExportCounts(`${stdout}\n${stderr}`) });
      });
  });
}

/**
 * parseExportCounts reads "N written/records/exported" and "N invalid" (or
 * "invalid: N") from export's summary; a count it cannot find is undefined.
 */
export function parseExportCounts(text) {
  const num = (re) => { const m = re.exec(text); return m ? Number(m[1] ?? m[2]) : undefined; };
  return {
    written: num(/(\d+)[ \t]+(?:records?|conversations?)?[ \t]*(?:written|exported)|(?:wrote|exported|written)[ \t]*:?[ \t]*(\d+)/i),
    invalid: num(/(\d+)[ \t]+invalid|invalid[ \t]*[:=]?[ \t]*(\d+)/i),
  };
}

/** getJSON fetches url and parses JSON, throwing with the status and body on non-2xx. */
export async function getJSON(url, { timeoutMs = 30000 } = {}) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`GET ${url}: body is not JSON: ${text.slice(0, 500)}`);
  }
}

/**
 * waitForCaptures polls GET /api/status until `exchanges` reaches want and nothing
 * is queued, and returns that status; it throws with the last status after timeoutMs.
 */
export async function waitForCaptures(uiURL, want, { timeoutMs = 15000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      last = await getJSON(`${uiURL}/api/status`);
      if (last.exchanges >= want && !last.queued) return last;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`/api/status did not reach exchanges >= ${want} with queued == 0 within ${timeoutMs} ms; `
    + `last status ${JSON.stringify(last)}${lastErr ? `; last error ${lastErr.message}` : ''}`);
}

/** findInDir returns the files under dir (recursively) whose bytes contain needle. */
export function findInDir(dir, needle) {
  const hits = [];
  const want = Buffer.from(needle);
  const walk = (d) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile() && fs.readFileSync(p).includes(want)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}
