// The export dialog's state: options, a preview of the first records with valid/invalid
// counts, and writing the file into the data folder.
import { api, errorText, type ExportOptions } from '../api';
import { defaultFilter } from '../route';
import type { ExportPreview, ExportResult, Filter } from '../types';

export class Exporter {
  options = $state<ExportOptions>({ format: 'sharegpt', system: 'field', filter: { ...defaultFilter(), status: 'confirmed' } });
  preview = $state.raw<ExportPreview | null>(null);
  previewError = $state<string | null>(null);
  loading = $state(false);
  writing = $state(false);
  result = $state.raw<ExportResult | null>(null);
  writeError = $state<string | null>(null);
  #seq = 0;

  /**
   * The dialog starts at "confirmed" and the list's tag, not its search or other filters:
   * what goes into a dataset should not depend on what the list happened to show.
   */
  constructor(list: Filter) {
    this.options.filter = { ...defaultFilter(), status: 'confirmed', tag: list.tag.slice(0, 1) };
  }

  async refresh(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const p = await api.exportPreview($state.snapshot(this.options));
      if (seq !== this.#seq) return;
      this.preview = p;
      this.previewError = null;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.preview = null;
      this.previewError = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** write writes the file: into the data folder, or where the save dialog says (saveAs). */
  async write(saveAs = false): Promise<void> {
    this.writing = true;
    this.result = null;
    this.writeError = null;
    try {
      const r = await api.exportWrite($state.snapshot(this.options), saveAs);
      this.result = r.canceled ? null : r;
    } catch (err) {
      this.writeError = errorText(err);
    } finally {
      this.writing = false;
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
