// Helpers for the desktop app's end-to-end tests: a virtual X server, a private D-Bus
// session, polling, and, for pointing and dragging as a person would, AT-SPI lookups
// (lib/accessible.py) and xdotool.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ACCESSIBLE = fileURLToPath(new URL('./accessible.py', import.meta.url));
// Debian's Python: its gi and Atspi bindings are what accessible.py needs.
export const PYTHON = process.env.LLMTAP_E2E_PYTHON || '/usr/bin/python3';

/** waitFor polls cond every 100 ms until it returns a truthy value or timeoutMs passes. */
export async function waitFor(what, cond, timeoutMs, describe = () => '') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** startXvfb starts a virtual X server (size "WxHxD") on a free display and resolves with it. */
export async function startXvfb(size = '1280x800x24') {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', size, '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const display = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display number within 30 s\n${err}`)), 30000);
    proc.stdio[3].setEncoding('utf8').on('data', (d) => { clearTimeout(timer); resolve(`:${d.trim()}`); });
    proc.on('error', (e) => { clearTimeout(timer); reject(new Error(`start Xvfb (apt-get install xvfb): ${e.message}`)); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited with ${code}\n${err}`)); });
  });
  return { proc, display };
}

/** startBus starts a private D-Bus session daemon and resolves with it and its address. */
export async function startBus() {
  const proc = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dbus-daemon printed no address within 30 s')), 30000);
    proc.stdout.setEncoding('utf8').once('data', (d) => { clearTimeout(timer); resolve(d.trim()); });
    proc.on('error', (e) => { clearTimeout(timer); reject(new Error(`start dbus-daemon (apt-get install dbus): ${e.message}`)); });
  });
  return { proc, address };
}

/**
 * findAccessible asks the accessibility bus where the element named name is on the screen,
 * and resolves with {name, role, x, y, width, height}, or null. opts: role (e.g. "link"),
 * prefix (name starts with), within (a role to look inside, e.g. "dialog"), focused (only
 * while it has the keyboard focus).
 */
export async function findAccessible(env, name, { role, prefix = false, within, focused = false } = {}) {
  const args = [ACCESSIBLE, '--name', name];
  if (role) args.push('--role', role);
  if (prefix) args.push('--prefix');
  if (within) args.push('--within', within);
  if (focused) args.push('--focused');
  const { stdout } = await run(PYTHON, args, { env, timeout: 20000 });
  return JSON.parse(stdout);
}

// GTK's gtk-double-click-time when nothing sets it, and the default of GNOME's
// org.gnome.desktop.peripherals.mouse double-click, which GTK takes under Wayland.
const GTK_DOUBLE_CLICK_MS = 400;

/**
 * doubleClickTime resolves with how soon (ms) after a press another one counts as its
 * second click for GTK, and so for WebKit in the window, on the session in env: the
 * longer of GNOME's setting (where gsettings can read it) and GTK's default.
 */
export async function doubleClickTime(env) {
  const ms = await run('gsettings', ['get', 'org.gnome.desktop.peripherals.mouse', 'double-click'], { env, timeout: 20000 })
    .then(({ stdout }) => Number(stdout.trim().replace(/^int32 /, '')), () => NaN);
  return Number.isFinite(ms) ? Math.max(ms, GTK_DOUBLE_CLICK_MS) : GTK_DOUBLE_CLICK_MS;
}

/**
 * singleClicks wraps pointer (move, down, up, …) so that each press comes more than ms
 * after the one before, as a person's separate presses do: WebKit counts a press within
 * the double-click time of the last one (and a few pixels of it) as a double click
 * whatever happened between them, and a double click never starts a drag. A test that
 * drags the same handle again right after a quick drag of it would press within that
 * time, as no person can. The wait is counted from when the last press was taken (its
 * event's time is no later), so the next one's is at least ms later.
 */
export function singleClicks(pointer, ms, clock = realClock) {
  let last = -Infinity;
  return {
    ...pointer,
    async down() {
      const wait = last + ms - clock.now();
      if (wait > 0) await clock.sleep(wait);
      await pointer.down();
      last = clock.now();
    },
  };
}

const realClock = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** center is the middle of a found element, in whole screen pixels. */
export function center(el) {
  return { x: Math.round(el.x + el.width / 2), y: Math.round(el.y + el.height / 2) };
}

/** xdotool runs xdotool on the display in env and resolves with its output. */
export async function xdotool(env, ...args) {
  const { stdout } = await run('xdotool', args.map(String), { env, timeout: 20000 });
  return stdout;
}

/** screenshot writes the whole X screen of display to file (PNG). */
export function screenshot(display, file) {
  execFileSync('import', ['-display', display, '-window', 'root', file]);
}
