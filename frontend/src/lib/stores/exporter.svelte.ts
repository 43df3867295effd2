// The export dialog's state: options, a preview of the first records with valid/invalid
// counts, and writing the file into the data folder.
import { api, errorText, type ExportOptions } from '../api';
import { progressId, withProgress, type Progress } from '../progress';
import { defaultFilter } from '../route';
import type { ExportPreview, ExportResult, Filter } from '../types';

export class Exporter {
  options = $state<ExportOptions>({
    format: 'sharegpt',
    system: 'field',
    opener: 'system',
    reasoning: '',
    folder: false,
    validation: 0.05,
    filter: { ...defaultFilter(), status: 'confirmed' },
  });
  preview = $state.raw<ExportPreview | null>(null);
  previewError = $state<string | null>(null);
  loading = $state(false);
  writing = $state(false);
  result = $state.raw<ExportResult | null>(null);
  writeError = $state<string | null>(null);
  /** How far the running preview / export got; null while none runs. */
  checking = $state<Progress | null>(null);
  writeProgress = $state<Progress | null>(null);
  #seq = 0;
  #preview: AbortController | null = null;

  /**
   * The dialog starts at "confirmed" and the list's tag, not its search or other filters:
   * what goes into a dataset should not depend on what the list happened to show.
   */
  constructor(list: Filter) {
    this.options.filter = { ...defaultFilter(), status: 'confirmed', tag: list.tag.slice(0, 1) };
  }

  /**
   * refresh previews the current options. A preview walks every record (a minute at
   * 100,000 conversations), so the one it replaces is aborted, which stops it on the
   * server too, and its progress is polled.
   */
  async refresh(): Promise<void> {
    const seq = ++this.#seq;
    this.#preview?.abort();
    const ctl = (this.#preview = new AbortController());
    const id = progressId();
    this.loading = true;
    this.checking = null;
    try {
      const p = await withProgress(
        api.exportPreview($state.snapshot(this.options), { progress: id, signal: ctl.signal }),
        () => api.exportProgress(id),
        (pr) => {
          if (seq === this.#seq) this.checking = pr;
        },
      );
      if (seq !== this.#seq) return;
      this.preview = p;
      this.previewError = null;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.preview = null;
      this.previewError = errorText(err);
    } finally {
      if (seq === this.#seq) {
        this.loading = false;
        this.checking = null;
      }
    }
  }

  /** close stops a preview still running (the dialog closed). */
  close(): void {
    this.#seq++;
    this.#preview?.abort();
  }

  /** write writes the file: into the data folder, or where the save dialog says (saveAs). */
  async write(saveAs = false): Promise<void> {
    this.writing = true;
    this.result = null;
    this.writeError = null;
    const id = progressId();
    try {
      const r = await withProgress(
        api.exportWrite($state.snapshot(this.options), saveAs, id),
        () => api.exportProgress(id),
        (p) => (this.writeProgress = p),
      );
      this.result = r.canceled ? null : r;
    } catch (err) {
      this.writeError = errorText(err);
    } finally {
      this.writing = false;
      this.writeProgress = null;
    }
  }

  /** reveal shows the written file in the OS file manager. */
  async reveal(): Promise<void> {
    if (!this.result) return;
    try {
      await api.reveal(this.result.path);
    } catch (err) {
      this.writeError = errorText(err);
    }
  }
}
