package providerfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/llmtap/llmtap/gateway"
)

// secrets are the literal keys of testdata/providers.yaml.
var secrets = []string{"sk-live-0123456789abcdef", "plainsecret-4242-zzzz", `sk-ant-••-tricky"quote-9999`, "lt-forward-secret-0001"}

// fakeKeychain is a Keychain in memory.
type fakeKeychain struct {
	mu sync.Mutex
	m  map[string]string
}

func (f *fakeKeychain) Get(name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[name]
	if !ok {
		return "", ErrNoSecret
	}
	return v, nil
}

func (f *fakeKeychain) Set(name, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[name] = secret
	return nil
}

type server struct {
	*httptest.Server
	path string
}

func newServer(t *testing.T, kc Keychain, initial []byte) server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "providers.yaml")
	if initial != nil {
		if err := os.WriteFile(path, initial, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	Register(mux, Config{Path: path, Keychain: kc, Getenv: Getenv(kc, func(string) string { return "" })})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return server{s, path}
}

func (s server) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(b))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	return res.StatusCode, out
}

func golden(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGetMasksLiteralKeys(t *testing.T) {
	s := newServer(t, nil, golden(t))
	code, v := s.do(t, "GET", "/api/providers/config", nil)
	text, _ := v["text"].(string)
	if code != 200 || v["exists"] != true || v["keychain"] != false {
		t.Fatalf("GET = %d %v", code, v)
	}
	for _, sec := range secrets {
		if strings.Contains(text, sec) {
			t.Errorf("the view shows the key %q:\n%s", sec, text)
		}
	}
	for _, keep := range []string{"# llmtap providers: the comment on top", "# the cheap one", `'${DEEPSEEK_KEY}'`, "${keychain:claude-1}", `"••••cdef"`, `"••••9999"`, `"••••0001"`} {
		if !strings.Contains(text, keep) {
			t.Errorf("the view lost %q:\n%s", keep, text)
		}
	}
}

func TestPutRoundTripKeepsKeys(t *testing.T) {
	s := newServer(t, nil, golden(t))
	_, v := s.do(t, "GET", "/api/providers/config", nil)
	edited := strings.Replace(v["text"].(string), "rpm: 60", "rpm: 61", 1)
	code, v := s.do(t, "PUT", "/api/providers/config", map[string]string{"text": edited})
	if code != 200 {
		t.Fatalf("PUT = %d %v", code, v)
	}
	disk, _ := os.ReadFile(s.path)
	want := strings.Replace(string(golden(t)), "rpm: 60", "rpm: 61", 1)
	f1, err1 := gateway.Parse(disk, func(string) string { return "" })
	f2, err2 := gateway.Parse([]byte(want), func(string) string { return "" })
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	for i := range f2.Providers {
		for j := range f2.Providers[i].Keys {
			if got, want := f1.Providers[i].Keys[j].Value, f2.Providers[i].Keys[j].Value; got != want {
				t.Errorf("providers[%d].keys[%d] = %q after a round trip, want %q", i, j, got, want)
			}
		}
	}
	if f1.ForwardKeys[0].Key != secrets[3] || f1.ForwardKeys[0].RPM != 61 {
		t.Errorf("forward key after a round trip: %+v", f1.ForwardKeys[0])
	}
	if !bytes.Contains(disk, []byte("# the cheap one")) {
		t.Errorf("a comment was lost:\n%s", disk)
	}
	if fi, _ := os.Stat(s.path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(filepath.Dir(s.path)); len(ents) != 1 {
		t.Errorf("the folder holds %d files, want only providers.yaml (a temporary file was left)", len(ents))
	}
}

func TestPutRefusesBadFile(t *testing.T) {
	good := golden(t)
	for _, tc := range []struct {
		name, from, to string
		line           float64
		field          string
	}{
		{"unknown kind", "kind: anthropic", "kind: anthropik", 9, "providers[1].kind"},
		{"bad url", "https://api.deepseek.com/v1", "ftp://api.deepseek.com", 5, "providers[0].base_url"},
		{"syntax", "    kind: anthropic", "    kind: anthropic: x", 9, ""},
		{"masked key gone", `"••••cdef"`, `"••••beef"`, 6, "providers[0].keys[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, nil, good)
			_, v := s.do(t, "GET", "/api/providers/config", nil)
			text := v["text"].(string)
			if !strings.Contains(text, tc.from) {
				t.Fatalf("the view has no %q", tc.from)
			}
			code, v := s.do(t, "PUT", "/api/providers/config", map[string]string{"text": strings.Replace(text, tc.from, tc.to, 1)})
			if code != 400 || v["line"] != tc.line || v["field"] != tc.field || v["error"] == "" {
				t.Fatalf("PUT = %d %v, want 400 at line %v field %q", code, v, tc.line, tc.field)
			}
			if disk, _ := os.ReadFile(s.path); !bytes.Equal(disk, good) {
				t.Errorf("a refused file changed the one on disk:\n%s", disk)
			}
		})
	}
}

func TestPutRefusesStaleBase(t *testing.T) {
	s := newServer(t, nil, golden(t))
	_, v := s.do(t, "GET", "/api/providers/config", nil)
	base := v["text"].(string)
	// Someone edits the file in another editor meanwhile.
	changed := strings.Replace(string(golden(t)), "rpm: 60", "rpm: 5", 1)
	if err := os.WriteFile(s.path, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	code, v := s.do(t, "PUT", "/api/providers/config", map[string]string{"text": base + "# mine\n", "base": base})
	if code != 409 {
		t.Fatalf("PUT over a changed file = %d %v, want 409", code, v)
	}
	if disk, _ := os.ReadFile(s.path); string(disk) != changed {
		t.Errorf("the other editor's change was overwritten:\n%s", disk)
	}
	_, v = s.do(t, "GET", "/api/providers/config", nil)
	if code, v := s.do(t, "PUT", "/api/providers/config", map[string]string{"text": v["text"].(string) + "# mine\n", "base": v["text"].(string)}); code != 200 {
		t.Fatalf("PUT on a fresh base = %d %v", code, v)
	}
}

func TestPutCreatesFile(t *testing.T) {
	s := newServer(t, nil, nil)
	code, v := s.do(t, "GET", "/api/providers/config", nil)
	if code != 200 || v["exists"] != false || v["text"] != "" {
		t.Fatalf("GET without a file = %d %v", code, v)
	}
	text := "providers:\n  - {name: a, kind: ollama, base_url: \"http://127.0.0.1:1\", models: [m]}\n"
	if code, v = s.do(t, "PUT", "/api/providers/config", map[string]string{"text": text}); code != 200 || v["exists"] != true {
		t.Fatalf("PUT = %d %v", code, v)
	}
	if disk, _ := os.ReadFile(s.path); string(disk) != text {
		t.Fatalf("disk = %q", disk)
	}
}

func TestAddProvider(t *testing.T) {
	form := map[string]any{"name": "groq", "kind": "openai", "base_url": "https://api.groq.com/openai/v1",
		"keys": []string{" gsk-typed-secret-123456 ", "${GROQ_KEY}"}, "models": []string{"llama-3.3-70b", " ", "qwen-*"}}
	for _, tc := range []struct {
		name    string
		kc      *fakeKeychain
		wantRef string
	}{
		{"keychain", &fakeKeychain{m: map[string]string{}}, `"${keychain:groq-1}"`},
		{"no keychain", nil, `"gsk-typed-secret-123456"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var kc Keychain
			if tc.kc != nil {
				kc = tc.kc
			}
			s := newServer(t, kc, golden(t))
			code, v := s.do(t, "POST", "/api/providers/config/providers", form)
			if code != 200 {
				t.Fatalf("POST = %d %v", code, v)
			}
			if strings.Contains(v["text"].(string), "gsk-typed-secret") {
				t.Errorf("the answer shows the typed key:\n%s", v["text"])
			}
			disk, _ := os.ReadFile(s.path)
			if !bytes.Contains(disk, []byte(tc.wantRef)) || !bytes.Contains(disk, []byte("# the cheap one")) {
				t.Errorf("file after adding (want %s and the comments):\n%s", tc.wantRef, disk)
			}
			f, err := gateway.Parse(disk, Getenv(kc, func(string) string { return "" }))
			if err != nil {
				t.Fatal(err)
			}
			p := f.Providers[len(f.Providers)-1]
			if p.Name != "groq" || p.Keys[0].Value != "gsk-typed-secret-123456" || p.Keys[1].Ref != "${GROQ_KEY}" ||
				strings.Join(p.Models, ",") != "llama-3.3-70b,qwen-*" {
				t.Errorf("added provider = %+v", p)
			}
			if tc.kc != nil && tc.kc.m["groq-1"] != "gsk-typed-secret-123456" {
				t.Errorf("keychain = %v", tc.kc.m)
			}
		})
	}
}

func TestAddProviderRefused(t *testing.T) {
	kc := &fakeKeychain{m: map[string]string{}}
	s := newServer(t, kc, golden(t))
	code, v := s.do(t, "POST", "/api/providers/config/providers",
		map[string]any{"name": "deepseek", "kind": "openai", "base_url": "https://x", "keys": []string{"k-123456789012"}, "models": []string{"m"}})
	if code != 400 || v["field"] != "providers[2].name" || v["line"].(float64) == 0 {
		t.Fatalf("POST of a duplicate name = %d %v", code, v)
	}
	if len(kc.m) != 0 {
		t.Errorf("a refused provider left keys in the keychain: %v", kc.m)
	}
}

// TestStatusHoldsNoSecret loads the file into a real gateway, the keychain key
// through Getenv, and checks GET /api/providers shows labels, never keys.
func TestStatusHoldsNoSecret(t *testing.T) {
	kc := &fakeKeychain{m: map[string]string{"claude-1": "sk-from-keychain-77777777"}}
	g := gateway.New(gateway.Config{Getenv: Getenv(kc, func(n string) string {
		if n == "DEEPSEEK_KEY" {
			return "sk-from-env-55555555"
		}
		return ""
	})})
	if err := g.Load(golden(t)); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	g.ServeStatus(rec, httptest.NewRequest("GET", "/api/providers", nil))
	body := rec.Body.String()
	for _, sec := range append(secrets, "sk-from-keychain-77777777", "sk-from-env-55555555") {
		if strings.Contains(body, sec) || strings.Contains(body, strings.ReplaceAll(sec, `"`, `\"`)) {
			t.Errorf("GET /api/providers shows %q: %s", sec, body)
		}
	}
	var st gateway.Status
	_ = json.Unmarshal(rec.Body.Bytes(), &st)
	if st.Providers[1].Keys[1].Label != "${keychain:claude-1}" || st.Providers[1].Keys[1].State != "healthy" {
		t.Errorf("keychain key = %+v, want its reference as label and healthy", st.Providers[1].Keys[1])
	}
}

func TestGetenv(t *testing.T) {
	kc := &fakeKeychain{m: map[string]string{"a": "1"}}
	env := func(n string) string { return "env:" + n }
	for _, tc := range []struct {
		kc         Keychain
		name, want string
	}{
		{kc, "keychain:a", "1"},
		{kc, "keychain:missing", ""},
		{nil, "keychain:a", ""},
		{kc, "HOME", "env:HOME"},
	} {
		if got := Getenv(tc.kc, env)(tc.name); got != tc.want {
			t.Errorf("Getenv(%v)(%q) = %q, want %q", tc.kc != nil, tc.name, got, tc.want)
		}
	}
}

// TestGatewayLeaks checks what the gateway shows of secrets written in a base_url.
// A refused base_url is never quoted with its password (loadError, the log), and a
// key in a base_url's query never shows in the status.
func TestGatewayLeaks(t *testing.T) {
	for _, tc := range []struct{ file, secret string }{
		{"providers:\n  - {name: a, kind: openai, base_url: \"https://u:hunter2-pass@x.test/v1\", keys: [k], models: [m]}\n", "hunter2-pass"},
		{"providers:\n  - {name: a, kind: gemini, base_url: \"https://x.test/v1beta?key=AIza-query-secret\", keys: [k], models: [m]}\n", "AIza-query-secret"},
	} {
		g := gateway.New(gateway.Config{})
		_ = g.Load([]byte(tc.file))
		rec := httptest.NewRecorder()
		g.ServeStatus(rec, httptest.NewRequest("GET", "/api/providers", nil))
		if strings.Contains(rec.Body.String(), tc.secret) {
			t.Errorf("GET /api/providers shows %q: %s", tc.secret, rec.Body)
		}
	}
}

// TestAddProviderKeychainRefuses: a keychain that refuses the form's second typed
// key is a 400 naming that key (not a 500), the file stays as it was, and the
// first key, already stored, is taken back out.
func TestAddProviderKeychainRefuses(t *testing.T) {
	kc := &failingKeychain{fakeKeychain{m: map[string]string{}}, 1}
	s := newServer(t, kc, golden(t))
	code, v := s.do(t, "POST", "/api/providers/config/providers",
		map[string]any{"name": "groq", "kind": "openai", "base_url": "https://api.groq.com/openai/v1",
			"keys": []string{"gsk-first-123456789", "gsk-second-123456789"}, "models": []string{"m"}})
	if code != 400 || v["field"] != "keys[1]" || !strings.Contains(fmt.Sprint(v["error"]), "keychain") {
		t.Fatalf("POST with a refusing keychain = %d %v, want 400 at keys[1]", code, v)
	}
	if disk, _ := os.ReadFile(s.path); !bytes.Equal(disk, golden(t)) {
		t.Errorf("the file changed:\n%s", disk)
	}
	if len(kc.m) != 0 {
		t.Errorf("the keychain kept %v after a form that failed", kc.m)
	}
}
