// A GNOME Wayland session for the desktop app's end-to-end tests: Mutter, headless, with
// one virtual monitor, and a mouse driven through its RemoteDesktop D-Bus API
// (lib/remote_desktop.py). GNOME is what most Linux desktops run, and Mutter checks a
// drag's origin and serial itself, so the drag-out test runs here as well as in sway.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopCompositor } from './wayland.mjs';
import { PYTHON } from './desktop.mjs';

const REMOTE_DESKTOP = fileURLToPath(new URL('./remote_desktop.py', import.meta.url));

/**
 * startMutter starts a headless Mutter with a width×height virtual monitor on the D-Bus
 * session bus at busAddress and resolves with it and the environment its clients need.
 * Mutter places new windows itself: the first centered, the next beside it if it fits.
 */
export async function startMutter({ width = 1920, height = 1080, busAddress }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtap-e2e-mutter-'));
  const runtime = path.join(dir, 'run');
  fs.mkdirSync(runtime, { mode: 0o700 });
  const display = 'wayland-llmtap';
  const env = { ...process.env, HOME: dir, XDG_RUNTIME_DIR: runtime, DBUS_SESSION_BUS_ADDRESS: busAddress };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const proc = spawn('mutter', ['--headless', '--wayland', '--no-x11', '--virtual-monitor', `${width}x${height}`,
    '--wayland-display', display], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => { log += d; });
  proc.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
  proc.on('error', (e) => { log += `start mutter (apt-get install mutter): ${e.message}\n`; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const deadline = Date.now() + 20000;
  // The socket exists before Mutter serves it; its RemoteDesktop API comes last.
  while (!fs.existsSync(path.join(runtime, display)) || !/Added virtual monitor/.test(log)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`mutter did not come up (apt-get install mutter)\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    env: { WAYLAND_DISPLAY: display, XDG_RUNTIME_DIR: runtime },
    log: () => log,
    close: () => stopCompositor(proc, exited, dir),
  };
}

/**
 * remoteDesktopPointer is a mouse in the Mutter session on the bus in env. Its methods
 * resolve once Mutter took the event.
 */
export async function remoteDesktopPointer(env) {
  const proc = spawn(PYTHON, [REMOTE_DESKTOP], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const waiting = []; // resolvers of the answers to come, in order
  let buf = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  proc.on('exit', (code) => {
    for (const w of waiting.splice(0)) w(`error: remote_desktop.py exited with ${code}: ${err}`);
  });
  const answer = () => new Promise((resolve) => waiting.push(resolve));
  const ready = await answer();
  if (ready !== 'ready') throw new Error(`Mutter's RemoteDesktop session: ${ready}\n${err}`);
  const send = async (cmd) => {
    const a = answer();
    proc.stdin.write(`${cmd}\n`);
    const line = await a;
    if (line !== 'ok') throw new Error(`remote desktop "${cmd}": ${line}`);
  };
  return {
    move: (x, y) => send(`move ${Math.round(x)} ${Math.round(y)}`),
    down: () => send('down'),
    up: () => send('up'),
    /** keys presses a combination of X keysym names, as "Super_L+Left". */
    keys: (combo) => send(`keys ${combo}`),
    type: (text) => send(`type ${text}`),
    close: () => { proc.stdin.end(); proc.kill(); },
  };
}
