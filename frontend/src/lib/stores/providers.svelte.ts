// State of the Providers page (#/providers): the gateway's live status, polled while the
// page is visible; the providers file for the editor and the form; the forward keys.
// The rules live in ../providers.ts; the components only render these fields.
import { api, ApiError, errorText, notImplemented } from '../api';
import { checkProvider, forwardKeyRequest, providerRequest, savedNote, type ConfigError, type ForwardKey, type GatewayStatus, type ProviderForm, type ProvidersConfig } from '../providers';

/** pollMs is how often the status is asked for while the page is visible. */
export const pollMs = 2500;

export class ProvidersModel {
  status = $state.raw<GatewayStatus | null>(null);
  statusError = $state('');
  config = $state.raw<ProvidersConfig | null>(null);
  /** text is the raw editor's content; dirty once it differs from the file. */
  text = $state('');
  configError = $state.raw<ConfigError | null>(null);
  saved = $state('');
  saving = $state(false);
  /** stale: the file changed on disk since it was loaded (409 on save); reload to go on. */
  stale = $state(false);
  formErrors = $state.raw<Record<string, string>>({});
  forwardKeys = $state.raw<ForwardKey[]>([]);
  /** forwardNote is why the list is empty: the server lacks the endpoint, or it failed. */
  forwardNote = $state('');
  /** issued is a key just issued: shown once, then forgotten. */
  issued = $state.raw<{ key: string; id: string } | null>(null);
  #timer: ReturnType<typeof setInterval> | undefined;

  get dirty(): boolean {
    return this.config !== null && this.text !== this.config.text;
  }

  start(): () => void {
    void this.poll();
    void this.loadConfig();
    void this.loadForwardKeys();
    const tick = () => {
      if (document.visibilityState === 'visible') void this.poll();
    };
    this.#timer = setInterval(tick, pollMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(this.#timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }

  async poll(): Promise<void> {
    try {
      this.status = await api.gateway();
      this.statusError = '';
    } catch (err) {
      this.statusError = errorText(err);
    }
  }

  async loadConfig(): Promise<void> {
    try {
      this.config = await api.providersConfig();
      this.text = this.config.text;
      this.configError = null;
      this.stale = false;
    } catch (err) {
      this.configError = { error: `Could not read the providers file: ${errorText(err)}`, line: 0, field: '' };
    }
  }

  #took(c: ProvidersConfig, note: string): void {
    this.config = c;
    this.text = c.text;
    this.configError = null;
    this.saved = note;
    void this.poll();
  }

  /** save writes the raw editor's text; a refusal keeps the text and says where. */
  async save(): Promise<void> {
    this.saving = true;
    this.saved = '';
    try {
      const res = await api.saveProvidersConfig(this.text, this.config?.text ?? '');
      if (res.ok) this.#took(res.config, savedNote(res.config));
      else this.configError = res.error;
    } catch (err) {
      this.stale = err instanceof ApiError && err.status === 409;
      this.configError = { error: errorText(err), line: 0, field: '' };
    } finally {
      this.saving = false;
    }
  }

  /** addProvider sends the form; true when the file took it. */
  async addProvider(f: ProviderForm): Promise<boolean> {
    this.formErrors = checkProvider(f);
    if (Object.keys(this.formErrors).length > 0) return false;
    this.saving = true;
    try {
      const res = await api.addProvider(providerRequest(f));
      if (res.ok) {
        this.#took(res.config, `Added ${f.name.trim()}.`);
        return true;
      }
      this.formErrors = { form: res.error.field ? `${res.error.field}: ${res.error.error}` : res.error.error };
    } catch (err) {
      this.formErrors = { form: errorText(err) };
    } finally {
      this.saving = false;
    }
    return false;
  }

  async loadForwardKeys(): Promise<void> {
    try {
      this.forwardKeys = await api.forwardKeys();
      this.forwardNote = '';
    } catch (err) {
      this.forwardKeys = [];
      this.forwardNote = notImplemented(err) ? 'This llmtap does not issue forward keys yet.' : errorText(err);
    }
  }

  async issueForwardKey(f: Parameters<typeof forwardKeyRequest>[0]): Promise<void> {
    try {
      this.issued = await api.issueForwardKey(forwardKeyRequest(f));
      this.forwardNote = '';
      await this.loadForwardKeys();
    } catch (err) {
      this.forwardNote = errorText(err);
    }
  }

  async revokeForwardKey(id: string): Promise<void> {
    try {
      await api.revokeForwardKey(id);
      if (this.issued?.id === id) this.issued = null;
      await this.loadForwardKeys();
    } catch (err) {
      this.forwardNote = errorText(err);
    }
  }
}
