// Package hfdir writes an export as a Hugging Face dataset folder: the records
// as zstd-compressed Parquet shards under data/ (a train split and, when asked,
// a validation split), a README.md dataset card whose YAML configs make
// datasets.load_dataset(DIR) read them, a dataset_info.json entry for
// LLaMA-Factory, and the images the records name under images/.
package hfdir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/llmtap/llmtap/dataset"
)

// ErrNoParquet is the error of New for a format with no Parquet layout
// (openai-jsonl, openai-dpo: their content is a string or a list of parts).
var ErrNoParquet = errors.New("no Parquet layout")

// ShardRows is how many records a Parquet shard holds at most; rowGroupRows, how
// many a row group holds, which bounds the writer's memory.
const (
	ShardRows    = 200_000
	rowGroupRows = 2_000
)

// Folder is the dataset.RecordSink of an export to a dataset folder. Create it
// with New, give it records, then Close it (or Abort on an error).
type Folder struct {
	dir        string
	format     dataset.FormatSpec
	validation float64
	splits     map[string]*split
}

type split struct {
	name   string
	shards []string // temporary files, in order
	file   *os.File
	w      *parquet.Writer
	rows   int
	total  int
}

// New starts a dataset folder in dir (created when missing) for records of
// format, with about the fraction validation (0 ≤ validation < 1) of them in a
// validation split, chosen by conversation ID so that a conversation's records
// stay together and the split is the same on every run.
func New(dir string, format dataset.FormatSpec, validation float64) (*Folder, error) {
	if format.Row == nil {
		return nil, fmt.Errorf("format %s: %w: export it to a file", format.Format, ErrNoParquet)
	}
	if validation < 0 || validation >= 1 {
		return nil, fmt.Errorf("validation %v: must be at least 0 and below 1", validation)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, fmt.Errorf("create dataset folder: %w", err)
	}
	return &Folder{dir: dir, format: format, validation: validation, splits: map[string]*split{}}, nil
}

// InValidation reports whether the records of conversation id go to the
// validation split of a fraction v: a multiplicative hash of the ID, so the
// choice is spread evenly and stable.
func InValidation(id int64, v float64) bool {
	if v <= 0 {
		return false
	}
	h := uint64(id) * 0x9E3779B97F4A7C15
	return float64(h>>11)/float64(1<<53) < v
}

// WriteRecord adds rec (a pointer to the format's Row type) to its split.
func (f *Folder) WriteRecord(id int64, rec any) error {
	name := "train"
	if InValidation(id, f.validation) {
		name = "validation"
	}
	s := f.splits[name]
	if s == nil {
		s = &split{name: name}
		f.splits[name] = s
	}
	if s.w == nil || s.rows >= ShardRows {
		if err := f.rotate(s); err != nil {
			return err
		}
	}
	if err := s.w.Write(rec); err != nil {
		return fmt.Errorf("write parquet row: %w", err)
	}
	s.rows++
	s.total++
	return nil
}

// rotate ends s's current shard and starts the next.
func (f *Folder) rotate(s *split) error {
	if err := s.end(); err != nil {
		return err
	}
	file, err := os.CreateTemp(filepath.Join(f.dir, "data"), ".llmtap-shard-*")
	if err != nil {
		return fmt.Errorf("create parquet shard: %w", err)
	}
	s.file, s.rows = file, 0
	s.shards = append(s.shards, file.Name())
	s.w = parquet.NewWriter(file, parquet.SchemaOf(f.format.Row), parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(rowGroupRows), parquet.CreatedBy("llmtap", "", ""))
	return nil
}

// end closes s's current shard.
func (s *split) end() error {
	if s.w == nil {
		return nil
	}
	err := errors.Join(s.w.Close(), s.file.Close())
	s.w, s.file = nil, nil
	if err != nil {
		return fmt.Errorf("write parquet shard: %w", err)
	}
	return nil
}

// Result is what Close wrote.
type Result struct {
	// Files are the Parquet shards, README.md and dataset_info.json, relative to
	// the folder.
	Files []string
	// Rows counts the records of each split.
	Rows map[string]int
}

// Close ends the shards and gives them their names (data/<split>-00000-of-0000N
// .parquet, replacing the shards of an earlier export), then writes the card and
// dataset_info.json for the records report describes.
func (f *Folder) Close(report dataset.ExportReport) (Result, error) {
	res := Result{Rows: map[string]int{}}
	if f.splits["train"] == nil { // an empty train split still loads
		if err := f.rotate(f.splitNamed("train")); err != nil {
			return res, err
		}
	}
	names := make([]string, 0, len(f.splits))
	for name := range f.splits {
		names = append(names, name)
	}
	sort.Strings(names)
	// The shards of an earlier export go; other files under data/ stay.
	for _, name := range []string{"train", "validation"} {
		old, _ := filepath.Glob(filepath.Join(f.dir, "data", name+"-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9].parquet"))
		for _, p := range old {
			os.Remove(p)
		}
	}
	for _, name := range names {
		s := f.splits[name]
		if err := s.end(); err != nil {
			return res, err
		}
		for i, tmp := range s.shards {
			rel := fmt.Sprintf("data/%s-%05d-of-%05d.parquet", name, i, len(s.shards))
			if err := os.Rename(tmp, filepath.Join(f.dir, filepath.FromSlash(rel))); err != nil {
				return res, fmt.Errorf("name parquet shard: %w", err)
			}
			res.Files = append(res.Files, rel)
		}
		res.Rows[name] = s.total
	}
	if err := writeFile(filepath.Join(f.dir, "README.md"), card(f.format, names, res.Rows)); err != nil {
		return res, err
	}
	res.Files = append(res.Files, "README.md")
	// LLaMA-Factory takes one file or folder: the train shard, or all of data/.
	train := "data"
	if len(f.splits["train"].shards) == 1 {
		train = "data/train-00000-of-00001.parquet"
	}
	if entry := dataset.DatasetInfo(f.format.Format, train, report); entry != nil {
		b, _ := json.MarshalIndent(map[string]any{"llmtap_" + strings.ReplaceAll(string(f.format.Format), "-", "_"): entry}, "", "  ")
		if err := writeFile(filepath.Join(f.dir, "dataset_info.json"), append(b, '\n')); err != nil {
			return res, err
		}
		res.Files = append(res.Files, "dataset_info.json")
	}
	return res, nil
}

// Abort removes the shards written so far.
func (f *Folder) Abort() {
	for _, s := range f.splits {
		s.end()
		for _, p := range s.shards {
			os.Remove(p)
		}
	}
}

func (f *Folder) splitNamed(name string) *split {
	s := &split{name: name}
	f.splits[name] = s
	return s
}

// card is the README.md of the folder: YAML front matter whose configs name
// each split's shards, and a short description.
func card(format dataset.FormatSpec, splits []string, rows map[string]int) []byte {
	var b strings.Builder
	b.WriteString("---\nconfigs:\n  - config_name: default\n    data_files:\n")
	for _, s := range splits {
		fmt.Fprintf(&b, "      - split: %s\n        path: \"data/%s-*.parquet\"\n", s, s)
	}
	b.WriteString("tags:\n  - llmtap\n---\n\n")
	fmt.Fprintf(&b, "# llmtap export (%s)\n\n", format.Format)
	fmt.Fprintf(&b, "%s: %s.\n\n", format.Label, format.Help)
	for _, s := range splits {
		fmt.Fprintf(&b, "- %s: %d records\n", s, rows[s])
	}
	b.WriteString("\nLoad it with `datasets.load_dataset(\"path/to/this/folder\")`; LLaMA-Factory reads the entry in `dataset_info.json`. `tools` and tool-call arguments are JSON strings.\n")
	return []byte(b.String())
}

// writeFile replaces path with data in one rename.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".llmtap-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err = errors.Join(err, tmp.Close()); err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

var _ dataset.RecordSink = (*Folder)(nil)
