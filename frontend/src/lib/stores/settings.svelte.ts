// State of the Settings page: the settings form (GET/PUT /api/settings) and the capture
// setup panel (self-test, system proxy, proxy variables, terminal). The components only
// render these fields and call these methods; the rules live in ../settings.ts.
import { api, ApiError, errorText } from '../api';
import { checkForm, defaultForm, fieldId, firstErrorKey, fromForm, mapFieldErrors, savedMessage, toForm, type FieldErrors, type SettingsForm } from '../settings';
import type { EnvVar, SelfTest, SettingsState, SystemProxy } from '../types';

/** SettingsModel loads, edits and saves the settings form. */
export class SettingsModel {
  /** The last answer of the server; null until loaded. */
  state = $state.raw<SettingsState | null>(null);
  form = $state<SettingsForm>(defaultForm());
  errors = $state.raw<FieldErrors>({});
  /** A message about the whole form: load failed, or the 400's summary. */
  problem = $state('');
  saving = $state(false);
  /** Set after a successful save; cleared on the next edit. */
  saved = $state('');

  async load(): Promise<void> {
    try {
      this.state = await api.settings();
      this.form = toForm(this.state.settings);
      this.problem = '';
    } catch (err) {
      this.problem = `Could not load the settings: ${errorText(err)}`;
    }
  }

  /** edited forgets the "Saved" note once the person changes something again. */
  edited(): void {
    this.saved = '';
  }

  /** save checks the form, PUTs it and keeps the input when the server refuses it. */
  async save(): Promise<void> {
    this.saved = '';
    this.problem = '';
    const hints = checkForm(this.form);
    if (Object.keys(hints).length > 0) {
      this.#fail(hints, 'Nothing was saved: fix the marked fields.');
      return;
    }
    this.saving = true;
    try {
      const res = await api.saveSettings(fromForm(this.form));
      if (!res.ok) {
        this.#fail(mapFieldErrors(res.fields, this.form), 'Nothing was saved: fix the marked fields.');
        return;
      }
      this.state = res.state;
      this.form = toForm(res.state.settings);
      this.errors = {};
      this.saved = savedMessage(res.state.restartNeeded);
    } catch (err) {
      this.problem = `Could not save: ${errorText(err)}`;
    } finally {
      this.saving = false;
    }
  }

  #fail(errors: FieldErrors, problem: string): void {
    this.errors = errors;
    this.problem = problem;
    const key = firstErrorKey(errors);
    if (key) queueMicrotask(() => document.getElementById(fieldId(key))?.focus());
  }
}

/** CaptureModel is the capture setup panel's state. */
export class CaptureModel {
  sysproxy = $state.raw<SystemProxy | null>(null);
  sysproxyError = $state('');
  switching = $state(false);
  /** The variables for tools that ignore the OS store; null when MITM is off or not loaded. */
  env = $state.raw<EnvVar[] | null>(null);
  /** Why env is null: MITM is off (409), or the request failed. */
  envNote = $state('');
  selftest = $state.raw<SelfTest | null>(null);
  selftestError = $state('');
  testing = $state(false);
  terminal = $state<'' | 'opening' | 'opened'>('');
  terminalError = $state('');

  async load(): Promise<void> {
    await Promise.all([this.#loadSysproxy(), this.#loadEnv()]);
  }

  async #loadSysproxy(): Promise<void> {
    try {
      this.sysproxy = await api.systemProxy();
      this.sysproxyError = '';
    } catch (err) {
      this.sysproxyError = errorText(err);
    }
  }

  async #loadEnv(): Promise<void> {
    try {
      this.env = await api.proxyEnv();
      this.envNote = '';
    } catch (err) {
      this.env = null;
      this.envNote = err instanceof ApiError && err.status === 409 ? 'mitm-off' : errorText(err);
    }
  }

  /** mitmRunning is whether this run intercepts HTTPS (known once proxy-env answered). */
  get mitmRunning(): boolean | null {
    if (this.env) return true;
    return this.envNote === 'mitm-off' ? false : null;
  }

  async setSystemProxy(on: boolean): Promise<void> {
    this.switching = true;
    try {
      this.sysproxy = await api.setSystemProxy(on);
      this.sysproxyError = '';
    } catch (err) {
      this.sysproxyError = `Could not turn the system proxy ${on ? 'on' : 'off'}: ${errorText(err)}`;
    } finally {
      this.switching = false;
    }
  }

  async runSelfTest(mode?: 'base' | 'mitm'): Promise<void> {
    this.testing = true;
    this.selftestError = '';
    try {
      this.selftest = await api.selfTest(mode ? { mode } : {});
    } catch (err) {
      this.selftest = null;
      this.selftestError = `The self-test did not run: ${errorText(err)}`;
    } finally {
      this.testing = false;
    }
  }

  async openTerminal(): Promise<void> {
    this.terminal = 'opening';
    this.terminalError = '';
    try {
      await api.openTerminal();
      this.terminal = 'opened';
    } catch (err) {
      this.terminal = '';
      this.terminalError = `Could not open a terminal: ${errorText(err)}`;
    }
  }
}
