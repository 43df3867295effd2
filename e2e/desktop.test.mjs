// The desktop app for real: bin/llmtap-desktop in a Wails window under Xvfb, its proxy
// captures a chat sent with the openai client, and the window (served in process by
// the AssetServer) loads and shows it. A screenshot of the whole X screen goes to
// e2e/screenshots/desktop.png. The tray icon registers with a StatusNotifierWatcher
// (bin/sniwatcher, standing in for a panel) on a private D-Bus session, and a click on
// its Capture item (com.canonical.dbusmenu Event) turns capture off: a request sent
// then is forwarded but not stored. SIGTERM closes the window the regular way and the
// app exits 0 after draining its queue.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startUpstream } from './lib/upstream.mjs';
import { tempDir, removeTempDirs, runExport } from './lib/llmtap.mjs';
import { client, plain, streamed } from './lib/chat.mjs';
import { waitFor, startXvfb, startBus, screenshot } from './lib/desktop.mjs';

const BIN = process.env.LLMTAP_DESKTOP_BIN;
const SNI = process.env.LLMTAP_SNIWATCHER;
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const TITLE = 'Plan a weekend in Lisbon';
const STEP = { timeout: 90000 };

describe('desktop app under Xvfb', () => {
  let xvfb;
  let up;
  let app;
  let out = '';
  let exited;
  let bus;
  let watcher;
  let watchOut = '';
  let proxyAddr;
  const dataDir = tempDir('llmtap-e2e-desktop-');
  const describeApp = () => `--- llmtap-desktop output ---\n${out}`;

  before(async () => {
    if (!BIN || !fs.existsSync(BIN)) {
      throw new Error(`LLMTAP_DESKTOP_BIN must name the built desktop app (scripts/build makes bin/llmtap-desktop); got ${BIN}`);
    }
    if (!SNI || !fs.existsSync(SNI)) {
      throw new Error(`LLMTAP_SNIWATCHER must name the built tray host stand-in (go build -o bin/sniwatcher ./e2e/sniwatcher); got ${SNI}`);
    }
    xvfb = await startXvfb();
    bus = await startBus();
    watcher = spawn(SNI, ['watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address } });
    watcher.stdout.setEncoding('utf8').on('data', (d) => { watchOut += d; });
    watcher.stderr.setEncoding('utf8').on('data', (d) => { watchOut += d; });
    await waitFor('the tray host stand-in to own its name', () => watchOut.includes('watching'), 30000, () => watchOut);
    up = await startUpstream();
    app = spawn(BIN, ['--data', dataDir, '--listen', '127.0.0.1:0', '--target', up.url, '-v'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // NO_AT_BRIDGE: without an accessibility bus GTK waits 25 s for one before showing the window.
      env: { ...process.env, DISPLAY: xvfb.display, WAYLAND_DISPLAY: '', NO_AT_BRIDGE: '1', LLMTAP_DATA_DIR: dataDir,
        DBUS_SESSION_BUS_ADDRESS: bus.address },
    });
    app.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    app.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
    exited = new Promise((resolve) => app.on('exit', (code, signal) => resolve({ code, signal })));
  });

  after(async () => {
    if (app && app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
    xvfb?.proc.kill('SIGKILL');
    watcher?.kill('SIGKILL');
    bus?.proc.kill('SIGKILL');
    await up?.close?.();
    removeTempDirs(dataDir);
  });

  it('captures a chat and shows it in the window', STEP, async () => {
    const proxy = await waitFor('the desktop app to listen', () => out.match(/proxy=(127\.0\.0\.1:\d+)/)?.[1], 30000, describeApp);
    proxyAddr = proxy;
    // The window loads the UI through the AssetServer and polls the API in process.
    await waitFor('the window to poll the API', () => /path=\/api\/status status=200/.test(out), 60000, describeApp);

    const openai = client(`http://${proxy}/v1`);
    const chat = [{ role: 'user', content: TITLE }];
    chat.push((await plain(openai, { model: 'gpt-4o-mini', messages: chat })).message);
    chat.push({ role: 'user', content: 'And where should we eat?' });
    chat.push((await streamed(openai, { model: 'gpt-4o-mini', messages: chat })).message);

    // The window shows the newest conversation by itself: wait for it to fetch it.
    await waitFor('the window to open the captured conversation',
      () => /path=\/api\/conversations\/1 status=200/.test(out), 30000, describeApp);

    // Give the webview a moment to paint, then keep the first screenshot that stops changing.
    fs.mkdirSync(SHOTS, { recursive: true });
    const shot = `${SHOTS}desktop.png`;
    let last = '';
    await waitFor('a stable screenshot', () => {
      screenshot(xvfb.display, shot);
      const sum = execFileSync('sha256sum', [shot]).toString().split(' ')[0];
      const stable = sum === last;
      last = sum;
      return stable;
    }, 20000);
    const deviation = Number(execFileSync('convert', [shot, '-format', '%[fx:standard_deviation]', 'info:']).toString());
    assert.ok(deviation > 0.05, `screenshot looks blank (standard deviation ${deviation}): ${shot}`);
  });

  it('has a tray icon whose Capture item turns recording off', STEP, async () => {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address };
    const service = await waitFor('the tray icon to register', () => watchOut.match(/registered (\S+) /)?.[1], 20000,
      () => `${watchOut}\n${describeApp()}`);
    const menu = () => execFileSync(SNI, ['menu', service], { env }).toString();
    // The menu is refreshed after the switch is logged (and counts today's captures in
    // the database): what it shows is waited for, not read once.
    const menuShows = (what, ...patterns) => waitFor(what, () => {
      const m = menu();
      return patterns.every((p) => p.test(m)) && m;
    }, 20000, () => `${menu()}\n${describeApp()}`);
    await menuShows('Capture checked and the base URL in the tray menu', /\t1\tCapture$/m, /Base URL: http:\/\/127\.0\.0\.1:\d+\/v1/);

    execFileSync(SNI, ['click', service, 'Capture'], { env });
    await waitFor('capture to switch off', () => /msg="capture switched" on=false/.test(out), 20000, describeApp);
    // Unchecked once off, and the counter shows the chat captured before.
    await menuShows('Capture unchecked and today\'s count in the tray menu', /\t0\tCapture$/m, /Captured today: [1-9]\d*/);

    const openai = client(`http://${proxyAddr}/v1`);
    const off = await plain(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Sent while capture is off' }] });
    assert.ok(off.message.content, 'the proxy still forwards with capture off');

    execFileSync(SNI, ['click', service, 'Capture'], { env });
    await waitFor('capture to switch back on', () => /msg="capture switched" on=true/.test(out), 20000, describeApp);
    await plain(openai, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Sent with capture on again' }] });

    const file = `${dataDir}/tray-check.jsonl`;
    const titles = await waitFor('the second chat to be stored', async () => {
      await runExport({ dataDir, format: 'sharegpt-jsonl', out: file });
      const text = fs.readFileSync(file, 'utf8');
      return text.includes('Sent with capture on again') ? text : null;
    }, 15000, describeApp);
    assert.ok(!titles.includes('Sent while capture is off'), 'a request sent with capture off must not be stored');
  });

  it('exits cleanly on SIGTERM with the capture stored', STEP, async () => {
    app.kill('SIGTERM');
    const res = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20000))]);
    assert.notEqual(res, 'timeout', `desktop app did not exit within 20 s of SIGTERM\n${describeApp()}`);
    assert.equal(res.code, 0, `desktop app exit ${JSON.stringify(res)}\n${describeApp()}`);
    assert.doesNotMatch(out, /level=ERROR|panic/, describeApp());
    assert.ok(fs.existsSync(`${dataDir}/llmtap.db`), 'no database in the data folder');
  });
});
