package export_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
)

// TestExportImages: images a client sent inline (a data: URL) are stored once and
// written beside the export under images/<sha256>.png, named in LLaMA-Factory's
// images column after one <image> placeholder each; an image sent by URL keeps its
// URL; openai-jsonl carries both as image_url parts, the stored one as a data: URL.
func TestExportImages(t *testing.T) {
	ta := startApp(t, fakeOpenAI(t).URL)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 64)...)
	dataURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	body := fmt.Sprintf(`{"model":"gpt-test","messages":[{"role":"user","content":[{"type":"text","text":"Compare these."},`+
		`{"type":"image_url","image_url":{"url":%q}},{"type":"image_url","image_url":{"url":"https://example.com/b.jpg"}}]}]}`, dataURL)
	ta.sendRaw(t, body)
	ta.wait(t, 1)
	sum := sha256.Sum256(png)
	wantImage := "images/" + hex.EncodeToString(sum[:]) + ".png"

	dir := t.TempDir()
	res, err := export.Run(t.Context(), ta.DB(), export.Options{Format: dataset.FormatShareGPTJSONL, Out: filepath.Join(dir, "x.jsonl")})
	if err != nil || res.Written != 1 || res.Images != 1 {
		t.Fatalf("export = %+v, %v; want 1 record and 1 image file", res, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, wantImage)); err != nil || !bytes.Equal(b, png) {
		t.Errorf("%s: %v, %d bytes; want the image the client sent", wantImage, err, len(b))
	}
	rec := readLines(t, filepath.Join(dir, "x.jsonl"))[0]
	human := rec["conversations"].([]any)[0].(map[string]any)["value"].(string)
	if !strings.HasPrefix(human, "<image><image>") || strings.Count(human, "<image>") != 2 {
		t.Errorf("human turn %q: want two <image> placeholders first", human)
	}
	if got := fmt.Sprint(rec["images"]); got != fmt.Sprint([]any{wantImage, "https://example.com/b.jpg"}) {
		t.Errorf("images = %s", got)
	}

	// A second export finds the file there and writes none.
	res, err = export.Run(t.Context(), ta.DB(), export.Options{Format: dataset.FormatOpenAIJSONL, Out: filepath.Join(dir, "o.jsonl")})
	if err != nil || res.Written != 1 || res.Images != 0 {
		t.Fatalf("openai export = %+v, %v", res, err)
	}
	line, _ := json.Marshal(readLines(t, filepath.Join(dir, "o.jsonl"))[0])
	if err := dataset.ValidateOpenAI(line); err != nil {
		t.Error(err)
	}
	for _, want := range []string{`"url":"` + dataURL + `"`, `"url":"https://example.com/b.jpg"`, `"text":"Compare these."`} {
		if !strings.Contains(string(line), want) {
			t.Errorf("openai line %s: want %s", line, want)
		}
	}
}

// TestExportKTO: kto takes rejected conversations without a status named, each
// with kto_tag false, the others true; named statuses narrow it as for any format.
func TestExportKTO(t *testing.T) {
	ta := exportFixture(t)
	ids := ta.ids(t)
	if code, body := ta.send(t, "PUT", fmt.Sprintf("/api/conversations/%d/status", ids["#chat 2"]), `{"status":"rejected"}`); code != 204 && code != 200 {
		t.Fatalf("reject: %d %s", code, body)
	}
	dir := t.TempDir()
	res, err := export.Run(t.Context(), ta.DB(), export.Options{Format: dataset.FormatKTO, Out: filepath.Join(dir, "k.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	var tags []bool
	for _, rec := range readLines(t, filepath.Join(dir, "k.jsonl")) {
		line, _ := json.Marshal(rec)
		if err := dataset.ValidateKTO(line); err != nil {
			t.Error(err)
		}
		tags = append(tags, rec["kto_tag"].(bool))
	}
	if res.Written != len(tags) || !slices.Contains(tags, false) || !slices.Contains(tags, true) {
		t.Errorf("kto_tag of %d records = %v: want the rejected one false and the others true", res.Written, tags)
	}
}
