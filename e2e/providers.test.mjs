// End to end through the Providers page (#/providers) at 1,024×700: `llmtap serve` with a
// providers.yaml in its data folder pointing at the fake provider (lib/upstream.mjs). The
// page shows the provider healthy with its key masked; a request sent through the gateway
// moves its count; a bad edit in the raw editor is refused with its line and field while
// the file on disk (and the gateway) keep the last good one; the fix is saved with the
// hidden key put back, mode 0600; the form adds a second provider; forward keys are issued
// and revoked (against the agreed contract served by page.route when this build lacks the
// endpoints, said in the output); a save over a change made on disk meanwhile is refused.
// Screenshots: screenshots/providers.png, providers-error.png, providers-added.png,
// providers-forward.png. Then, with a real gnome-keyring on a private session bus, a key
// typed into the raw editor goes to the keychain on save, the file gets ${keychain:fake-1},
// and the gateway sends the key read back from the keyring (providers-keychain.png).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.mjs';
import { startUpstream } from './lib/upstream.mjs';
import { startServe, tempDir, removeTempDirs } from './lib/llmtap.mjs';
import { client } from './lib/chat.mjs';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const WAIT = 15000;
const STEP = { timeout: 60000 };
const MODEL = 'gpt-4o-mini';
const KEY = 'sk-e2e-literal-PROVSECRET7788';

describe('Providers page', () => {
  let up;
  let serve;
  let browser;
  let page;
  const dataDir = tempDir('llmtap-e2e-providers-');
  const file = path.join(dataDir, 'providers.yaml');
  const pageErrors = [];
  let original;

  before(async () => {
    up = await startUpstream({ gzip: false });
    original = [
      '# the fake provider; this comment must survive the UI',
      'providers:',
      '  - name: fake',
      '    kind: openai',
      `    base_url: "${up.url}/v1"`,
      `    keys: ["${KEY}"]`,
      `    models: [${MODEL}]`,
      '',
    ].join('\n');
    fs.writeFileSync(file, original, { mode: 0o600 });
    serve = await startServe({ target: '', dataDir });
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // The refused saves (400, 409) and a missing forward-keys endpoint (404) are on purpose.
      if (msg.type() === 'error' && !/status of (400|404|409)/.test(msg.text())) pageErrors.push(`console: ${msg.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    serve?.kill();
    await up?.close();
    removeTempDirs(dataDir);
  });

  const card = (name) => page.locator(`section[data-provider="${name}"]`);

  it('shows the provider healthy, its key masked', STEP, async () => {
    await page.goto(`${serve.uiURL}/#/providers`);
    await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
    await card('fake').locator('[data-state]').filter({ hasText: 'healthy' }).waitFor();
    assert.equal(await card('fake').locator('[data-requests]').textContent(), '0');
    await card('fake').getByText('••••7788').waitFor();
    const editor = page.getByRole('textbox', { name: 'providers.yaml' });
    await page.waitForFunction(() => document.querySelector('textarea[aria-label="providers.yaml"]')?.value.includes('••••7788'));
    const html = await page.content();
    assert.ok(!html.includes(KEY) && !(await editor.inputValue()).includes(KEY), 'the page never holds the key');
    assert.match(await editor.inputValue(), /this comment must survive/);
    await page.screenshot({ path: path.join(SHOTS, 'providers.png') });
  });

  it('counts a request sent through the gateway', STEP, async () => {
    const res = await client(`${serve.proxyURL}/v1`).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello gateway' }] });
    assert.match(res.choices[0].message.content, /Hello gateway/);
    assert.equal(up.requests.at(-1).headers.authorization, `Bearer ${KEY}`);
    // Polled every 2.5 s while the page is visible.
    await card('fake').locator('[data-requests]').filter({ hasText: /^1$/ }).waitFor();
  });

  it('refuses a bad edit with its line and field, keeping the last good file', STEP, async () => {
    const editor = page.getByRole('textbox', { name: 'providers.yaml' });
    const text = await editor.inputValue();
    await editor.fill(text.replace('kind: openai', 'kind: openaj'));
    await page.getByRole('button', { name: 'Save file' }).click();
    const err = page.locator('[data-config-error]');
    await err.waitFor();
    assert.match(await err.textContent(), /line 4, providers\[0\]\.kind: unknown kind "openaj"/);
    assert.equal(fs.readFileSync(file, 'utf8'), original, 'the refused file was not written');
    await page.screenshot({ path: path.join(SHOTS, 'providers-error.png') });
    const status = await (await fetch(`${serve.uiURL}/api/providers`)).json();
    assert.equal(status.providers[0].state, 'healthy');
    assert.equal(status.loadError, undefined);
  });

  it('saves the fix with the hidden key put back, mode 0600', STEP, async () => {
    const editor = page.getByRole('textbox', { name: 'providers.yaml' });
    const text = await editor.inputValue();
    await editor.fill(text.replace('kind: openaj', 'kind: openai').replace(`models: [${MODEL}]`, `models: [${MODEL}, gpt-4o]`));
    await page.getByRole('button', { name: 'Save file' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal(await page.locator('[data-config-error]').count(), 0);
    const disk = fs.readFileSync(file, 'utf8');
    assert.ok(disk.includes(KEY), 'the masked key was restored from the file');
    assert.match(disk, /this comment must survive/);
    assert.match(disk, /gpt-4o\]/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // The gateway's watcher picks it up: the card lists the new model.
    await card('fake').getByText(`${MODEL}, gpt-4o`).waitFor();
  });

  it('adds a provider from the form', STEP, async () => {
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add provider' }) });
    await form.locator('input[name="name"]').fill('local');
    await form.locator('select[name="kind"]').selectOption('ollama');
    await form.locator('input[name="base_url"]').fill(up.url);
    await form.locator('input[name="models"]').fill('qwen3:8b, llama*');
    await form.getByRole('button', { name: 'Add provider' }).click();
    await card('local').locator('[data-state]').filter({ hasText: 'healthy' }).waitFor();
    const disk = fs.readFileSync(file, 'utf8');
    assert.match(disk, /this comment must survive/);
    assert.match(disk, /name: local/);
    await card('local').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'providers-added.png') });
  });

  it('refuses to save over a change made on disk meanwhile', STEP, async () => {
    const other = fs.readFileSync(file, 'utf8').replace('# the fake provider', '# edited elsewhere; the fake provider');
    fs.writeFileSync(file, other);
    const editor = page.getByRole('textbox', { name: 'providers.yaml' });
    await editor.fill((await editor.inputValue()) + '# mine\n');
    await page.getByRole('button', { name: 'Save file' }).click();
    await page.locator('[data-config-error]').filter({ hasText: 'changed on disk' }).waitFor();
    assert.equal(fs.readFileSync(file, 'utf8'), other, 'the other change was kept');
    await page.getByRole('button', { name: /Reload from disk/ }).click();
    await page.waitForFunction(() => document.querySelector('textarea[aria-label="providers.yaml"]')?.value.includes('edited elsewhere'));
    assert.equal(await page.locator('[data-config-error]').count(), 0);
  });

  it('issues, lists and revokes a forward key', STEP, async () => {
    const probe = await fetch(`${serve.uiURL}/api/forward-keys`);
    if (probe.status === 404) {
      // This build lacks the endpoints (wt-gwire adds them): the page says so, and the rest
      // of the step runs against the agreed contract served by the browser itself.
      await page.locator('[data-forward-note]').filter({ hasText: 'does not issue forward keys' }).waitFor();
      console.log('# forward keys: GET /api/forward-keys is 404 in this build; the UI is checked against the contract, served by page.route');
      const keys = [];
      await page.route('**/api/forward-keys**', async (route) => {
        const req = route.request();
        if (req.method() === 'POST') {
          const body = req.postDataJSON();
          assert.deepEqual(body, { name: 'e2e-ci', models: ['gpt-4o*'], rpm: 60, tpm: 0, tpd: 0, expires: '' });
          keys.push({ id: 'fk1', name: body.name, models: body.models, rpm: body.rpm, usage: { requests: 0 } });
          return route.fulfill({ json: { key: 'lt-e2e-shown-once-0001', id: 'fk1' } });
        }
        if (req.method() === 'DELETE') {
          assert.match(req.url(), /\/api\/forward-keys\/fk1$/);
          keys.splice(0);
          return route.fulfill({ status: 204 });
        }
        return route.fulfill({ json: keys });
      });
    }
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Issue key' }) });
    await form.getByLabel('Name').fill('e2e-ci');
    await form.getByLabel('Models').fill('gpt-4o*');
    await form.getByLabel('RPM').fill('60');
    await form.getByRole('button', { name: 'Issue key' }).click();
    const issued = page.locator('.issued code');
    await issued.waitFor();
    assert.match(await issued.textContent(), /^lt-/);
    const row = page.getByRole('row').filter({ hasText: 'e2e-ci' });
    await row.waitFor();
    assert.match(await row.textContent(), /60 rpm/);
    await issued.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'providers-forward.png') });
    await page.getByRole('button', { name: 'Revoke e2e-ci' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await page.locator('.issued').count(), 0, 'the revoked key is no longer shown');
  });

  it('logged no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});

// keyringSession starts a private session bus and a gnome-keyring-daemon on it (its login
// keyring created and unlocked with a password on stdin, its files under home), and
// returns the bus address and a stop function.
async function keyringSession(home) {
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise((resolve, reject) => {
    let out = '';
    bus.stdout.setEncoding('utf8').on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.trim()); });
    bus.on('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
  });
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, HOME: home, XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'), XDG_RUNTIME_DIR: path.join(home, 'run') };
  fs.mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'inherit'] });
  keyring.stdin.end('llmtap-e2e-password');
  // Not execFileSync: the password is written while this waits. Bounded: gdbus gives up after 20 s.
  await promisify(execFile)('gdbus', ['wait', '--session', '--timeout', '20', 'org.freedesktop.secrets'], { env });
  return { address, stop: () => { keyring.kill(); bus.kill(); } };
}

const haveKeyring = ['gnome-keyring-daemon', 'dbus-daemon', 'gdbus'].every((tool) =>
  (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(path.join(dir, tool))));

describe('Providers page with gnome-keyring', {
  // scripts/test (CI=true) installs gnome-keyring with scripts/setup --test: there it must run.
  skip: !haveKeyring && process.env.CI !== 'true' && 'needs gnome-keyring-daemon (Debian package gnome-keyring), dbus-daemon and gdbus',
}, () => {
  const TYPED = 'sk-e2e-typed-KEYRINGSECRET42';
  let up;
  let serve;
  let session;
  let browser;
  let page;
  const dataDir = tempDir('llmtap-e2e-keyring-');
  const file = path.join(dataDir, 'providers.yaml');

  before(async () => {
    session = await keyringSession(tempDir('llmtap-e2e-keyring-home-'));
    up = await startUpstream({ gzip: false });
    fs.writeFileSync(file, ['providers:', '  - name: fake', '    kind: openai', `    base_url: "${up.url}/v1"`,
      `    keys: ["${KEY}"]   # the one key`, `    models: [${MODEL}]`, ''].join('\n'), { mode: 0o600 });
    // startServe passes this process's environment on: the keychain is on the private bus.
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = session.address;
    try {
      serve = await startServe({ target: '', dataDir });
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    page.setDefaultTimeout(WAIT);
  });

  after(async () => {
    await browser?.close();
    serve?.kill();
    await up?.close();
    session?.stop();
    removeTempDirs(dataDir);
  });

  it('moves a key typed into the raw editor to the keychain, and the gateway uses it', STEP, async () => {
    await page.goto(`${serve.uiURL}/#/providers`);
    await page.getByText('A provider key typed here goes to the OS keychain when you save').waitFor();
    const editor = page.getByRole('textbox', { name: 'providers.yaml' });
    await page.waitForFunction(() => document.querySelector('textarea[aria-label="providers.yaml"]')?.value.includes('••••7788'));
    await editor.fill((await editor.inputValue()).replace('"••••7788"]', `"••••7788", ${TYPED}]`));
    await page.getByRole('button', { name: 'Save file' }).click();
    const note = page.getByRole('status').filter({ hasText: 'went to the OS keychain' });
    await note.waitFor();
    assert.match(await note.textContent(), /providers\[0\]\.keys\[1\] \(line 5\) → \$\{keychain:fake-1\}/);
    const disk = fs.readFileSync(file, 'utf8');
    assert.ok(disk.includes(`["${KEY}", "\${keychain:fake-1}"]   # the one key`), disk);
    assert.ok(!disk.includes(TYPED), 'the typed key is not in the file');
    assert.ok(!(await page.content()).includes(TYPED), 'nor on the page');
    await card('fake').getByText('keychain: fake-1').waitFor();
    await page.getByRole('status').filter({ hasText: 'went to the OS keychain' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'providers-keychain.png') });
    // The gateway reads the key back from gnome-keyring: round robin reaches it within two requests.
    const oa = client(`${serve.proxyURL}/v1`);
    for (let i = 0; i < 2; i++) await oa.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `ping ${i}` }] });
    const sent = up.requests.map((r) => r.headers.authorization);
    assert.ok(sent.includes(`Bearer ${TYPED}`), `the provider got ${JSON.stringify(sent)}`);
  });

  const card = (name) => page.locator(`section[data-provider="${name}"]`);
});
