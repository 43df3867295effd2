// A Wayland session for the desktop app's end-to-end tests: sway, headless, and a
// virtual pointer that moves, presses and releases as a mouse would.
//
// Headless wlroots has no input devices, so a seat has no pointer until a client makes
// one: virtualPointer speaks just enough of the Wayland wire protocol (no library, no
// build step) to create a zwlr_virtual_pointer_v1 and drive it. Events it sends reach
// the clients through sway's seat exactly as a real mouse's do, with the serials a
// drag-and-drop has to quote.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * startSway starts a headless sway with one output of width×height and resolves with it
 * and the environment its clients need (WAYLAND_DISPLAY, XDG_RUNTIME_DIR, SWAYSOCK).
 * Windows whose app_id is in floating float where moveWindow puts them, so they keep
 * their own size. sway refuses to run as root, so as root it runs as nobody.
 */
export async function startSway({ width = 1920, height = 1080, floating = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtap-e2e-sway-'));
  const runtime = path.join(dir, 'run');
  fs.mkdirSync(runtime, { mode: 0o700 });
  const config = path.join(dir, 'config');
  fs.writeFileSync(config, [
    'xwayland disable',
    `output HEADLESS-1 resolution ${width}x${height} position 0 0`,
    'default_border none',
    'default_floating_border none',
    'focus_follows_mouse no',
    ...floating.map((id) => `for_window [app_id="${id}"] floating enable`),
    '',
  ].join('\n'));
  const env = {
    ...process.env, HOME: dir, XDG_RUNTIME_DIR: runtime,
    WLR_BACKENDS: 'headless', WLR_LIBINPUT_NO_DEVICES: '1', WLR_RENDERER: 'pixman',
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  let cmd = 'sway';
  let args = ['-c', config];
  if (process.getuid?.() === 0) {
    fs.chmodSync(dir, 0o755);
    fs.chownSync(runtime, 65534, 65534);
    [cmd, args] = ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sway', ...args]];
  }
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.on('error', (e) => { log += `start sway (apt-get install sway): ${e.message}\n`; });
  const deadline = Date.now() + 15000;
  let sock;
  let display;
  for (;;) {
    const names = fs.readdirSync(runtime);
    sock = names.find((n) => n.startsWith('sway-ipc.'));
    display = names.find((n) => /^wayland-\d+$/.test(n));
    if (sock && display) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`sway did not come up (apt-get install sway)\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const clientEnv = { WAYLAND_DISPLAY: display, XDG_RUNTIME_DIR: runtime, SWAYSOCK: path.join(runtime, sock) };
  return {
    proc,
    env: clientEnv,
    log: () => log,
    close: () => stopCompositor(proc, exited, dir),
  };
}

/**
 * stopCompositor ends a compositor started by a test (SIGTERM, then SIGKILL after 3 s;
 * exited resolves when it has) and removes its folder.
 */
export async function stopCompositor(proc, exited, dir) {
  proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}

/** swaymsg runs swaymsg against the session in env and resolves with its parsed JSON reply. */
export async function swaymsg(env, ...args) {
  try {
    const { stdout } = await run('swaymsg', ['-r', ...args.map(String)], { env: { ...process.env, ...env }, timeout: 20000 });
    return JSON.parse(stdout);
  } catch (e) {
    throw new Error(`swaymsg ${args.join(' ')}: ${e.stdout || e.message}`); // sway's reason is on stdout
  }
}

/** windowRect is where the window of app_id is on the output ({x, y, width, height}), or null. */
export async function windowRect(env, appId) {
  const walk = (n) => {
    if (n.app_id === appId) return n.rect;
    for (const c of [...(n.nodes ?? []), ...(n.floating_nodes ?? [])]) {
      const r = walk(c);
      if (r) return r;
    }
    return null;
  };
  return walk(await swaymsg(env, '-t', 'get_tree'));
}

/** moveWindow puts the (floating) window of app_id at x, y. */
export async function moveWindow(env, appId, x, y) {
  await swaymsg(env, `[app_id="${appId}"]`, 'move', 'position', x, y);
}

/** screenshotWayland writes the whole output to file (PNG) with grim. */
export async function screenshotWayland(env, file) {
  await run('grim', [file], { env: { ...process.env, ...env }, timeout: 20000 });
}

const BTN_LEFT = 0x110; // linux/input-event-codes.h

/**
 * virtualPointer connects to the compositor in env and creates a pointer on its seat.
 * Its methods resolve once the compositor has handled the request (a wl_display.sync
 * round trip), so what a test does next sees the effect.
 */
export async function virtualPointer(env, { width = 1920, height = 1080 } = {}) {
  const wire = await connectWayland(path.join(env.XDG_RUNTIME_DIR, env.WAYLAND_DISPLAY));
  const registry = wire.newId();
  wire.send(1, 1, [u32(registry)]); // wl_display.get_registry
  const globals = [];
  wire.onEvent = (id, op, body) => {
    if (id === registry && op === 0) { // wl_registry.global(name, interface, version)
      const r = reader(body);
      globals.push({ name: r.u32(), iface: r.string(), version: r.u32() });
    }
  };
  await wire.roundtrip();
  const bind = (iface, version) => {
    const g = globals.find((x) => x.iface === iface);
    if (!g) throw new Error(`the compositor has no ${iface} (sway has it; is this sway?)`);
    const id = wire.newId();
    wire.send(registry, 0, [u32(g.name), str(iface), u32(Math.min(version, g.version)), u32(id)]); // wl_registry.bind
    return id;
  };
  const seat = bind('wl_seat', 1);
  const manager = bind('zwlr_virtual_pointer_manager_v1', 1);
  const pointer = wire.newId();
  wire.send(manager, 0, [u32(seat), u32(pointer)]); // create_virtual_pointer(seat, id)
  await wire.roundtrip();
  const t0 = Date.now();
  const time = () => u32((Date.now() - t0) & 0xffffffff);
  const frame = () => wire.send(pointer, 4, []);
  const button = async (state) => {
    wire.send(pointer, 2, [time(), u32(BTN_LEFT), u32(state)]); // button(time, button, state)
    frame();
    await wire.roundtrip();
  };
  return {
    /** move puts the pointer at x, y of the output. */
    async move(x, y) {
      wire.send(pointer, 1, [time(), u32(Math.round(x)), u32(Math.round(y)), u32(width), u32(height)]); // motion_absolute
      frame();
      await wire.roundtrip();
    },
    down: () => button(1),
    up: () => button(0),
    close: () => wire.close(),
  };
}

const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };

/** str encodes a Wayland string: length with the NUL, the bytes, the NUL, padded to 4. */
function str(s) {
  const bytes = Buffer.from(`${s}\0`, 'utf8');
  const padded = Buffer.alloc(4 + Math.ceil(bytes.length / 4) * 4);
  padded.writeUInt32LE(bytes.length);
  bytes.copy(padded, 4);
  return padded;
}

function reader(body) {
  let at = 0;
  return {
    u32() { const v = body.readUInt32LE(at); at += 4; return v; },
    string() {
      const n = body.readUInt32LE(at);
      const s = body.toString('utf8', at + 4, at + 4 + n - 1);
      at += 4 + Math.ceil(n / 4) * 4;
      return s;
    },
  };
}

/**
 * connectWayland opens the compositor's socket and resolves with a minimal wire: send a
 * request, hear events (onEvent), and round-trip. A wl_display.error fails every pending
 * and later round trip with the compositor's message.
 */
function connectWayland(socketPath) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ path: socketPath });
    let next = 2; // 1 is wl_display
    let buf = Buffer.alloc(0);
    let failed = null;
    const syncs = new Map(); // callback id → resolve
    const wire = {
      onEvent: () => {},
      newId: () => next++,
      send(id, op, args) {
        const body = Buffer.concat(args);
        const head = Buffer.alloc(8);
        head.writeUInt32LE(id);
        head.writeUInt32LE(((8 + body.length) << 16) | op, 4);
        sock.write(Buffer.concat([head, body]));
      },
      roundtrip() {
        if (failed) return Promise.reject(failed);
        const cb = next++;
        const done = new Promise((res, rej) => syncs.set(cb, { res, rej }));
        wire.send(1, 0, [u32(cb)]); // wl_display.sync
        return done;
      },
      close() { sock.destroy(); },
    };
    const fail = (err) => {
      failed = err;
      for (const { rej } of syncs.values()) rej(err);
      syncs.clear();
    };
    sock.on('connect', () => resolve(wire));
    sock.on('error', (e) => { reject(e); fail(e); });
    sock.on('close', () => fail(failed ?? new Error('the compositor closed the connection')));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const id = buf.readUInt32LE(0);
        const word = buf.readUInt32LE(4);
        const size = word >>> 16;
        if (buf.length < size) break;
        const op = word & 0xffff;
        const body = buf.subarray(8, size);
        buf = buf.subarray(size);
        if (id === 1 && op === 0) { // wl_display.error(object, code, message)
          const r = reader(body);
          fail(new Error(`Wayland error on object ${r.u32()}, code ${r.u32()}: ${r.string()}`));
        } else if (syncs.has(id) && op === 0) { // wl_callback.done
          syncs.get(id).res();
          syncs.delete(id);
        } else {
          wire.onEvent(id, op, body);
        }
      }
    });
  });
}
