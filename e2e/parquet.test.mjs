// The Parquet files of a Hugging Face dataset folder (`llmtap export --out DIR/`),
// read by an independent reader: hyparquet, with the zstd pages decompressed by the
// zstd command-line tool (libzstd; Node 20 has no zstd), never by the Go code that
// wrote them. Each row must be the record the same export writes as JSON Lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { generateData, removeTempDirs, runExport, tempDir } from './lib/llmtap.mjs';

const compressors = {
  ZSTD: (input) => new Uint8Array(execFileSync('zstd', ['-d', '-c', '-q'], { input, maxBuffer: 256 << 20 })),
};

/** normalize drops null and empty-list fields (absent in JSON Lines, null in Parquet) and sorts keys. */
function normalize(v) {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) {
      const x = v[k];
      if (x === null || x === undefined || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

async function readFolderSplit(dir, split) {
  const file = path.join(dir, 'data', `${split}-00000-of-00001.parquet`);
  const buf = await asyncBufferFromFile(file);
  const meta = await parquetMetadataAsync(buf);
  for (const rg of meta.row_groups) {
    for (const col of rg.columns) assert.equal(col.meta_data.codec, 'ZSTD', `${file}: column ${col.meta_data.path_in_schema} is ${col.meta_data.codec}`);
  }
  return parquetReadObjects({ file: buf, compressors });
}

test('dataset folders read back by hyparquet', { timeout: 180_000 }, async (t) => {
  const data = tempDir();
  const outDir = tempDir('llmtap-e2e-parquet-');
  t.after(() => removeTempDirs(data, outDir));
  await generateData(data, 120);

  for (const format of ['sharegpt', 'messages-jsonl', 'alpaca', 'kto']) {
    await t.test(format, async () => {
      const jsonl = path.join(outDir, `${format}.jsonl`);
      const fileFormat = format === 'sharegpt' ? 'sharegpt-jsonl' : format;
      const lines = await runExport({ dataDir: data, format: fileFormat, out: jsonl });
      const folder = path.join(outDir, format) + path.sep;
      const res = await runExport({ dataDir: data, format, out: folder, args: ['--validation', '0.2'] });
      assert.equal(res.written, lines.written, `folder and file hold the same records:\n${res.stdout}`);
      assert.match(res.stdout, /validation split: \d+ records/);

      const want = fs.readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.stringify(normalize(JSON.parse(l))));
      const train = await readFolderSplit(folder, 'train');
      const validation = await readFolderSplit(folder, 'validation');
      assert.ok(train.length > 0 && validation.length > 0, `train ${train.length}, validation ${validation.length}`);
      const got = [...train, ...validation].map((r) => JSON.stringify(normalize(r)));
      assert.equal(got.length, want.length);
      assert.deepEqual([...got].sort(), [...want].sort(), 'the Parquet rows are the JSON Lines records');

      const card = fs.readFileSync(path.join(folder, 'README.md'), 'utf8');
      assert.match(card, /- split: train\n\s+path: "data\/train-\*\.parquet"/);
      assert.match(card, /- split: validation\n\s+path: "data\/validation-\*\.parquet"/);
      const info = JSON.parse(fs.readFileSync(path.join(folder, 'dataset_info.json'), 'utf8'));
      const entry = Object.values(info)[0];
      assert.equal(entry.file_name, 'data/train-00000-of-00001.parquet');
    });
  }
});
