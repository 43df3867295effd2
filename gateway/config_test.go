package gateway

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data, env(map[string]string{"DEEPSEEK_KEY_1": "sk-one", "DEEPSEEK_KEY_2": "sk-two", "ANTHROPIC_KEY": "sk-ant"}))
	if err != nil {
		t.Fatalf("Parse(example.yaml) = %v", err)
	}
	want := &File{
		Providers: []ProviderSpec{
			{Name: "deepseek", Kind: "openai", BaseURL: "https://api.deepseek.com/v1",
				Keys:   []KeySpec{{Ref: "${DEEPSEEK_KEY_1}", Value: "sk-one"}, {Ref: "${DEEPSEEK_KEY_2}", Value: "sk-two"}},
				Models: []string{"deepseek-chat", "deepseek-reasoner"}, Weight: 1, Line: 2},
			{Name: "anthropic", Kind: "anthropic", BaseURL: "https://api.anthropic.com",
				Keys:   []KeySpec{{Ref: "${ANTHROPIC_KEY}", Value: "sk-ant"}},
				Models: []string{"claude-*"}, Weight: 3, Line: 8},
			{Name: "local", Kind: "ollama", BaseURL: "http://127.0.0.1:11434", Models: []string{"qwen3:8b"},
				Weight: 1, Disabled: true, Line: 14},
		},
		Models: map[string]ModelSpec{
			"fast":   {Use: []string{"deepseek-chat"}, Cache: true},
			"gpt-4o": {Use: []string{"deepseek-chat"}, Fallbacks: []string{"claude-sonnet-4-5"}},
		},
		Strategy: Latency, Retries: 3, FirstByteTimeout: 20 * time.Second,
		ForwardKeys: []ForwardKey{{Key: "lt-team", Models: []string{"deepseek-*"}, RPM: 60, TPM: 200000,
			Expires: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)}},
		Cache: &CacheSpec{TTL: time.Hour, MaxMB: 512},
	}
	if d := cmp.Diff(want, f); d != "" {
		t.Errorf("Parse(example.yaml) (-want +got):\n%s", d)
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown_top_field", "providers: []\nstrategy: round-robin\nretires: 2\n", "line 3: retires: unknown field"},
		{"unknown_kind", "providers:\n  - name: a\n    kind: openia\n    base_url: http://x\n    keys: [k]\n    models: [m]\n",
			"line 3: providers[0].kind: unknown kind \"openia\""},
		{"duplicate_name", "providers:\n  - {name: a, kind: openai, base_url: 'http://x', keys: [k], models: [m]}\n  - {name: a, kind: openai, base_url: 'http://y', keys: [k], models: [n]}\n",
			"line 3: providers[1].name: \"a\" is used by the provider on line 2 too"},
		{"bad_glob", "providers:\n  - name: a\n    kind: openai\n    base_url: http://x\n    keys: [k]\n    models: [\"claude-[\"]\n",
			"line 6: providers[0].models[0]: bad glob"},
		{"bad_url", "providers:\n  - name: a\n    kind: openai\n    base_url: ftp://x\n    keys: [k]\n    models: [m]\n",
			"line 4: providers[0].base_url: \"ftp://x\": scheme must be http or https"},
		{"missing_keys", "providers:\n  - name: a\n    kind: anthropic\n    base_url: http://x\n    models: [m]\n",
			"line 2: providers[0].keys: missing"},
		{"bad_strategy", "strategy: fastest\n", "line 1: strategy: unknown strategy \"fastest\""},
		{"negative_retries", "retries: -1\n", "line 1: retries: must not be negative"},
		{"retries_not_number", "retries: two\n", "line 1: retries: want a whole number"},
		{"alias_unserved", "providers:\n  - {name: a, kind: openai, base_url: 'http://x', keys: [k], models: [m]}\nmodels:\n  fast: {use: [nope]}\n",
			"line 4: models.fast.use[0]: no provider serves \"nope\""},
		{"model_unknown_field", "models:\n  fast: {uses: [m]}\n", "line 2: models.fast.uses: unknown field"},
		{"forward_key_date", "forward_keys:\n  - {key: lt-x, expires: tomorrow}\n", "line 2: forward_keys[0].expires: want a date"},
		{"cache_ttl", "cache: {ttl: soon}\n", "line 1: cache.ttl: want a duration"},
		{"provider_field", "providers:\n  - name: a\n    kinds: openai\n", "line 3: providers[0].kinds: unknown field"},
		{"not_a_mapping", "- a\n- b\n", "line 1: (top level): want a mapping"},
		{"syntax", "providers: [\n", "yaml: line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) = %v, want an error containing %q", tt.yaml, err, tt.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("Parse(%q) = %v, want it to wrap ErrConfig", tt.yaml, err)
			}
		})
	}
}

func TestParseEmptySections(t *testing.T) {
	f, err := Parse([]byte("providers:\nmodels:\nforward_keys:\n"), env(nil))
	if err != nil || len(f.Providers) != 0 || f.Strategy != RoundRobin || f.Retries != 2 {
		t.Errorf("Parse(empty sections) = %+v, %v; want no providers and the defaults", f, err)
	}
}

func TestParseMissingEnvDisablesKey(t *testing.T) {
	g := New(Config{Getenv: env(map[string]string{"K1": "sk-1"})})
	err := g.Load([]byte("providers:\n  - {name: a, kind: openai, base_url: 'http://127.0.0.1:1', keys: ['${K1}', '${K2}'], models: [m]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	keys := g.Status().Providers[0].Keys
	if keys[0].State != "healthy" || keys[1].State != "disabled" || !strings.Contains(keys[1].Reason, "K2") {
		t.Errorf("key states = %+v, want the first healthy and the second disabled naming K2", keys)
	}
	if keys[0].Label != "${K1}" {
		t.Errorf("key label = %q, want the reference ${K1}, never the value", keys[0].Label)
	}
}

func TestReloadKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "providers.yaml")
	write := func(s string) {
		t.Helper()
		// As editors save: a new file renamed over the old one.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("providers:\n  - {name: a, kind: openai, base_url: 'http://127.0.0.1:1', keys: [k], models: [m1]}\n")
	reloaded := make(chan error, 4)
	g, err := Open(Config{Path: path, PollInterval: 5 * time.Millisecond, OnReload: func(err error) { reloaded <- err }})
	if err != nil {
		t.Fatal(err)
	}
	go g.Watch(t.Context())

	write("providers:\n  - {name: a, kind: openai, base_url: 'http://127.0.0.1:1', keys: [k], models: [m1, m2]}\n# longer\n")
	if err := <-reloaded; err != nil {
		t.Fatalf("reload of a good file = %v", err)
	}
	if got := g.Models(); !cmp.Equal(got, []string{"m1", "m2"}) {
		t.Errorf("Models() after reload = %v, want [m1 m2]", got)
	}

	write("providers:\n  - {name: a, kind: openai, base_url: 'http://127.0.0.1:1', keys: [k], models: [m1, m2, m3]}\nstrategy: nope\n")
	err = <-reloaded
	if err == nil || !strings.Contains(err.Error(), "line 3: strategy") {
		t.Fatalf("reload of a bad file = %v, want an error at line 3, strategy", err)
	}
	if got := g.Models(); !cmp.Equal(got, []string{"m1", "m2"}) {
		t.Errorf("Models() after a bad file = %v, want the last good [m1 m2]", got)
	}
	if le := g.LoadError(); !strings.Contains(le, "strategy") {
		t.Errorf("LoadError() = %q, want the refusal", le)
	}
}

func FuzzParse(f *testing.F) {
	if seed, err := os.ReadFile(filepath.Join("testdata", "example.yaml")); err == nil {
		f.Add(string(seed))
	}
	f.Add("providers:\n  - {name: a, kind: openai, base_url: 'http://x', keys: [k], models: ['c-*']}\nmodels:\n  f: {use: [c-1], fallbacks: [c-2]}\n")
	f.Add("strategy: weighted\nretries: 0\n")
	f.Add("forward_keys:\n  - {key: lt-a, name: a, models: ['m-*'], rpm: 1, tpm: 2, tpd: 3, expires: 2027-06-30, disabled: true}\n  - {key: lt-b, name: a}\ncache: {ttl: 1h, max_mb: 1}\n")
	f.Add("providers: [\n")
	f.Fuzz(func(t *testing.T, s string) {
		file, err := Parse([]byte(s), env(nil))
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("Parse error %v does not wrap ErrConfig", err)
			}
			return
		}
		tbl, err := newTable(file, nil)
		if err != nil {
			return // a base URL url.Parse took but providerBase cannot: refused at load
		}
		for _, m := range tbl.modelNames() {
			if len(tbl.resolve(m)) == 0 {
				t.Errorf("listed model %q resolves to nothing", m)
			}
		}
	})
}
