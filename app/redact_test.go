package app

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/llmtap/llmtap/store"
)

// TestNoKeyReachesTheDisk plants a key in every form a client may send one (body
// members at any depth, a custom header, the query, the standard header) and reads
// back every byte in the data folder (the database, its WAL, anything else), with
// compressed bodies decompressed, and every exchange as the store returns it,
// looking for it.
func TestNoKeyReachesTheDisk(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	// One key per form, so that no form is hidden by another's redaction (a key seen
	// in a header is scrubbed from the body too).
	key := func(form string) string { return "sk-proj-" + form + "-5Hq2Xv9Lm4Kt8Zw3Rb6SECR" }
	forms := []string{"bodyApiKey", "bodyCamel", "bodyNestedAuth", "bodyPassword", "customHeader", "query"}
	body := `{"model":"gpt-test","max_tokens":5,"api_key":"` + key("bodyApiKey") + `","apiKey":"` + key("bodyCamel") + `",` +
		`"extra":{"headers":{"Authorization":"Bearer ` + key("bodyNestedAuth") + `"},"password":"` + key("bodyPassword") + `"},` +
		`"messages":[{"role":"user","content":"hello"}]}`
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ta.proxyURL+"/v1/chat/completions?key="+key("query"), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("X-Custom-Auth", key("customHeader"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("chat through proxy: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("chat through proxy: %d", resp.StatusCode)
	}
	ta.wait(t, 1)

	var stored []byte
	err = filepath.WalkDir(ta.cfg.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		stored = append(append(stored, b...), unzstd(b)...)
		return nil
	})
	if err != nil {
		t.Fatalf("read data folder: %v", err)
	}
	// A compressed body may be split across pages in the files; the store's own
	// reading of every exchange gives the whole of it.
	exs, _, err := ta.db.ListExchanges(t.Context(), store.ExchangeListOptions{Limit: 100})
	if err != nil {
		t.Fatalf("list exchanges: %v", err)
	}
	for _, sum := range exs {
		ex, err := ta.db.Exchange(t.Context(), sum.ID)
		if err != nil {
			t.Fatalf("load exchange %d: %v", sum.ID, err)
		}
		stored = fmt.Appendf(stored, "%+v %s %s", *ex, ex.ReqBody, ex.RespBody)
	}
	if !bytes.Contains(stored, []byte("hello")) {
		t.Fatal("the exchange is not in the data folder: the search below would prove nothing")
	}
	for _, form := range forms {
		if k := key(form); bytes.Contains(stored, []byte(k[8:])) {
			t.Errorf("the data folder holds the key sent as %s", form)
		}
	}
	if bytes.Contains(stored, []byte(testKey[8:])) {
		t.Error("the data folder holds the key sent in Authorization")
	}
}

// unzstd returns the decompressed content of every zstd frame found in b (the
// stored bodies), as far as each decodes: a frame is followed by other bytes of its
// page, which stop the stream reader after the frame's content.
func unzstd(b []byte) []byte {
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	var out []byte
	for i := bytes.Index(b, magic); i >= 0; {
		if dec, err := zstd.NewReader(bytes.NewReader(b[i:]), zstd.WithDecoderConcurrency(1)); err == nil {
			d, _ := io.ReadAll(dec)
			dec.Close()
			out = append(out, d...)
		}
		next := bytes.Index(b[i+1:], magic)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return out
}
