package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/dataset"
)

// TestExportEachFormat generates synthetic conversations and exports them in every
// format with the CLI: each file is written, each line passes its format's
// validator, and messages-jsonl has its two snippets beside it.
func TestExportEachFormat(t *testing.T) {
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"generate", "--data", data, "--conversations", "40"}, &stdout, &stderr); code != 0 {
		t.Fatalf("generate = %d: %s", code, stderr.String())
	}
	validators := map[dataset.ExportFormat]func([]byte) error{
		dataset.FormatOpenAIJSONL:     dataset.ValidateOpenAI,
		dataset.FormatMessagesJSONL:   dataset.ValidateMessages,
		dataset.FormatAlpaca:          dataset.ValidateAlpaca,
		dataset.FormatKTO:             dataset.ValidateKTO,
		dataset.FormatPreference:      dataset.ValidatePreference,
		dataset.FormatOpenAIDPO:       dataset.ValidateOpenAIDPO,
		dataset.FormatPreferenceJSONL: dataset.ValidatePreferenceMessages,
	}
	for _, spec := range dataset.Formats() {
		t.Run(strings.ReplaceAll(string(spec.Format), "-", "_"), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "data"+spec.Ext)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"export", "--data", data, "--format", string(spec.Format), "--out", out}, &stdout, &stderr); code != 0 {
				t.Fatalf("export = %d: %s", code, stderr.String())
			}
			if !strings.Contains(stdout.String(), "wrote ") {
				t.Errorf("stdout %q: want the count written", stdout.String())
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			lines := 0
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<24)
			for sc.Scan() {
				lines++
				if v := validators[spec.Format]; v != nil {
					if err := v(sc.Bytes()); err != nil {
						t.Errorf("line %d: %v", lines, err)
					}
				}
			}
			if lines == 0 && !spec.Pairs { // synthetic chats have no alternative answers
				t.Errorf("%s is empty", out)
			}
			for _, sc := range sidecarNames(spec) {
				if b, err := os.ReadFile(out + sc); err != nil || !bytes.Contains(b, []byte("data"+spec.Ext)) {
					t.Errorf("sidecar %s: %v, %q: want it to name the dataset file", sc, err, b)
				}
			}
		})
	}
}

// TestExportFolder exports into a Hugging Face dataset folder with a validation
// split: Parquet shards of both splits, the card naming them, dataset_info.json.
func TestExportFolder(t *testing.T) {
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"generate", "--data", data, "--conversations", "40"}, &stdout, &stderr); code != 0 {
		t.Fatalf("generate = %d: %s", code, stderr.String())
	}
	dir := filepath.Join(t.TempDir(), "ds") + string(filepath.Separator)
	stdout.Reset()
	args := []string{"export", "--data", data, "--format", "messages-jsonl", "--out", dir, "--validation", "0.3", "--reasoning", "inline"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("export = %d: %s", code, stderr.String())
	}
	for _, name := range []string{"data/train-00000-of-00001.parquet", "data/validation-00000-of-00001.parquet", "README.md", "dataset_info.json"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(stdout.String(), "validation") {
		t.Errorf("stdout %q: want the split counts", stdout.String())
	}
	for _, bad := range [][]string{
		{"--validation", "0.3", "--out", filepath.Join(t.TempDir(), "x.jsonl")},
		{"--validation", "1.5", "--out", dir},
		{"--reasoning", "hidden", "--out", dir},
		{"--format", "openai-jsonl", "--out", dir},
	} {
		if code := run(append([]string{"export", "--data", data}, bad...), &stdout, &stderr); code == 0 {
			t.Errorf("export %v = 0, want an error", bad)
		}
	}
}

func sidecarNames(spec dataset.FormatSpec) []string {
	if spec.Sidecars == nil {
		return nil
	}
	var names []string
	for _, sc := range spec.Sidecars("x") {
		names = append(names, sc.Suffix)
	}
	return names
}
