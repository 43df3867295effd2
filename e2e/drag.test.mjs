// Dragging exports out of the desktop window, for real: bin/llmtap-desktop under Xvfb
// captures a chat through its proxy, and xdotool drags each of its three drag handles
// (the open conversation's, the bulk bar's, the Export dialog's) onto bin/droptarget,
// a small GTK window beside it that takes text/uri-list drops (XDND) and copies the
// dropped file into a folder, as a file manager would. Each copy must be a valid
// ShareGPT export holding the captured conversation. The handles are found on the
// screen through the accessibility bus (lib/accessible.py), by their names. Between
// the drags a click on Confirm must work: the drag's pointer grab must not leave the
// webview thinking the button is still down. Screenshots taken while the file hangs
// over the drop target go to e2e/screenshots/drag-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startUpstream } from './lib/upstream.mjs';
import { tempDir } from './lib/llmtap.mjs';
import { client, plain, streamed } from './lib/chat.mjs';
import { sharegptProblems } from './lib/sharegpt.mjs';
import { waitFor, startXvfb, startBus, findAccessible, center, xdotool, screenshot } from './lib/desktop.mjs';

const BIN = process.env.LLMTAP_DESKTOP_BIN;
const DROPTARGET = process.env.LLMTAP_DROPTARGET;
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const TITLE = 'Plan a weekend in Lisbon';
const SCREEN = { width: 1920, height: 1080 };
const STEP = { timeout: 120000 };

describe('dragging exports out of the desktop window under Xvfb', () => {
  let xvfb;
  let bus;
  let up;
  let app;
  let target;
  let out = '';
  let targetOut = '';
  let env; // DISPLAY and the bus, for the app, xdotool and the accessibility lookups
  let targetBox;
  const dataDir = tempDir('llmtap-e2e-drag-');
  const dropDir = tempDir('llmtap-e2e-dropped-');
  const lines = () => targetOut.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const drops = () => lines().filter((l) => l.uris);
  const overs = () => lines().filter((l) => l.over).length;
  const dragsBegun = () => out.match(/method=POST path=\/api\/drag status=200/g)?.length ?? 0;
  const describeAll = () => `--- llmtap-desktop output ---\n${out}\n--- droptarget output ---\n${targetOut}`;

  /** find waits for the element to be on the screen and resolves with it. */
  function find(name, opts = {}) {
    return waitFor(`"${name}" on the screen`, () => findAccessible(env, name, opts), 30000, describeAll);
  }

  async function click(name, opts) {
    const p = center(await find(name, opts));
    await xdotool(env, 'mousemove', p.x, p.y);
    await xdotool(env, 'click', '1');
  }

  /**
   * dragOut drags the handle onto the drop target as a person would: press, a few small
   * moves until the app has begun its drag (it answered POST /api/drag), across to the
   * target in steps, and release once the target said it takes the drop. It resolves with
   * what the target received.
   */
  async function dragOut(handle, shot) {
    const begun = dragsBegun();
    const dropped = drops().length;
    const over = overs();
    const from = center(handle);
    const to = { x: targetBox.x + Math.round(targetBox.width / 2), y: targetBox.y + Math.round(targetBox.height / 2) };
    await xdotool(env, 'mousemove', from.x, from.y);
    await xdotool(env, 'mousedown', '1');
    try {
      // Past the drag threshold: WebKit fires dragstart, the page posts /api/drag.
      for (let i = 1; i <= 6; i++) await xdotool(env, 'mousemove', from.x + 4 * i, from.y + 2 * i);
      await waitFor('the app to begin the drag (POST /api/drag answered)', () => dragsBegun() > begun, 20000, describeAll);
      const start = { x: from.x + 24, y: from.y + 12 };
      for (let i = 1; i <= 12; i++) {
        await xdotool(env, 'mousemove', Math.round(start.x + ((to.x - start.x) * i) / 12), Math.round(start.y + ((to.y - start.y) * i) / 12));
      }
      await waitFor('the drop target to see the drag over it', async () => {
        if (overs() > over) return true;
        await xdotool(env, 'mousemove_relative', '--', '1', '1'); // XDND moves come with pointer moves
        return false;
      }, 20000, describeAll);
      await xdotool(env, 'mousemove', to.x, to.y);
      fs.mkdirSync(SHOTS, { recursive: true });
      screenshot(xvfb.display, path.join(SHOTS, shot));
    } finally {
      await xdotool(env, 'mouseup', '1');
    }
    return waitFor('the drop target to receive the file', () => drops()[dropped], 30000, describeAll);
  }

  /** checkDrop checks that the target copied one valid ShareGPT file named name holding the captured chat. */
  function checkDrop(drop, name) {
    assert.equal(drop.error, undefined, `drop failed: ${JSON.stringify(drop)}\n${describeAll()}`);
    assert.equal(drop.target, 'text/uri-list');
    assert.equal(drop.uris.length, 1, JSON.stringify(drop));
    const dropped = fileURLToPath(drop.uris[0]);
    assert.ok(dropped.startsWith(path.join(dataDir, 'exports', 'drag') + path.sep), `dropped ${dropped}, want a file under the data folder's exports/drag/`);
    assert.match(path.basename(dropped), name);
    const copy = drop.files[0];
    const records = JSON.parse(fs.readFileSync(copy, 'utf8'));
    assert.ok(Array.isArray(records) && records.length > 0, `${copy} is not a non-empty JSON array`);
    for (const rec of records) assert.deepEqual(sharegptProblems(rec), [], `${copy}: ${JSON.stringify(rec)}`);
    const turns = records.map((r) => r.conversations.map((t) => t.value));
    assert.ok(turns.some((t) => t[0] === TITLE && t.includes('And where should we eat?')), `${copy} lacks the captured chat: ${JSON.stringify(turns)}`);
    return records;
  }

  before(async () => {
    for (const [name, bin, how] of [['LLMTAP_DESKTOP_BIN', BIN, 'scripts/build makes bin/llmtap-desktop'],
      ['LLMTAP_DROPTARGET', DROPTARGET, 'go build -o bin/droptarget ./e2e/droptarget']]) {
      if (!bin || !fs.existsSync(bin)) throw new Error(`${name} must name the built binary (${how}); got ${bin}`);
    }
    xvfb = await startXvfb(`${SCREEN.width}x${SCREEN.height}x24`);
    bus = await startBus();
    // No NO_AT_BRIDGE here: the accessibility bus (started on demand on the private
    // session bus) is how the test finds the handles.
    env = { ...process.env, DISPLAY: xvfb.display, WAYLAND_DISPLAY: '', GDK_BACKEND: 'x11', DBUS_SESSION_BUS_ADDRESS: bus.address };
    delete env.NO_AT_BRIDGE;
    up = await startUpstream();
    app = spawn(BIN, ['--data', dataDir, '--listen', '127.0.0.1:0', '--target', up.url, '-v'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, LLMTAP_DATA_DIR: dataDir },
    });
    app.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    app.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
  });

  after(async () => {
    if (app && app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
    target?.kill('SIGKILL');
    xvfb?.proc.kill('SIGKILL');
    bus?.proc.kill('SIGKILL');
    await up?.close?.();
    if (!process.env.LLMTAP_E2E_KEEP) {
      fs.rmSync(dropDir, { recursive: true, force: true });
    }
  });

  it('captures a chat and puts a drop target beside the window', STEP, async () => {
    const proxy = await waitFor('the desktop app to listen', () => out.match(/proxy=(127\.0\.0\.1:\d+)/)?.[1], 30000, describeAll);
    const openai = client(`http://${proxy}/v1`);
    const chat = [{ role: 'user', content: TITLE }];
    chat.push((await plain(openai, { model: 'gpt-4o-mini', messages: chat })).message);
    chat.push({ role: 'user', content: 'And where should we eat?' });
    chat.push((await streamed(openai, { model: 'gpt-4o-mini', messages: chat })).message);
    await waitFor('the window to open the captured conversation', () => /path=\/api\/conversations\/1 status=200/.test(out), 60000, describeAll);

    const win = await find('llmtap', { role: 'frame' });
    targetBox = { x: win.x + win.width + 40, y: win.y + 80, width: 240, height: 240 };
    assert.ok(targetBox.x + targetBox.width <= SCREEN.width, `no room for the drop target beside the window at ${JSON.stringify(win)}`);
    target = spawn(DROPTARGET, ['-dir', dropDir, '-x', targetBox.x, '-y', targetBox.y, '-width', targetBox.width, '-height', targetBox.height].map(String), {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, NO_AT_BRIDGE: '1' },
    });
    target.stdout.setEncoding('utf8').on('data', (d) => { targetOut += d; });
    target.stderr.setEncoding('utf8').on('data', (d) => { targetOut += d; });
    const ready = await waitFor('the drop target window', () => lines().find((l) => l.ready), 20000, describeAll);
    targetBox = { x: ready.x, y: ready.y, width: ready.width, height: ready.height };
  });

  it('drags the open conversation out as a file', STEP, async () => {
    const handle = await find('Drag out', { role: 'link' });
    const drop = await dragOut(handle, 'drag-conversation.png');
    const records = checkDrop(drop, /^plan-a-weekend-in-lisbon\.json$/);
    assert.equal(records.length, 1, 'one conversation dragged, one record');
  });

  it('leaves the window working: a click on Confirm confirms', STEP, async () => {
    await click('Confirm', { role: 'toggle button' });
    await waitFor('the click to confirm the conversation', () => /method=PUT path=\/api\/conversations\/1\/status status=204/.test(out), 20000, describeAll);
  });

  it('drags what the bulk bar acts on out', STEP, async () => {
    await click('Act on all', { prefix: true, role: 'push button' });
    const handle = await find('Drag out llmtap-', { prefix: true, role: 'link' });
    checkDrop(await dragOut(handle, 'drag-bulk.png'), /^llmtap-\d{4}-\d{2}-\d{2}\.json$/);
  });

  it("drags the Export dialog's file out, named as typed", STEP, async () => {
    await click('Export…', { role: 'push button' });
    await click('File name', { prefix: true, role: 'entry', within: 'dialog' });
    await xdotool(env, 'type', '--delay', '30', 'lisbon-export.json');
    const handle = await find('Drag out lisbon-export.json', { role: 'link', within: 'dialog' });
    checkDrop(await dragOut(handle, 'drag-export-dialog.png'), /^lisbon-export\.json$/);
    assert.ok(fs.existsSync(path.join(dropDir, 'lisbon-export.json')), 'the drop target copied lisbon-export.json');
  });

  it('logged no errors', () => {
    assert.doesNotMatch(out, /level=ERROR|panic|CRITICAL/, describeAll());
  });
});
