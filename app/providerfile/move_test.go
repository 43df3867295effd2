package providerfile

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/llmtap/llmtap/gateway"
)

// keychainUnderTest is a Keychain and a way to read all it holds.
type keychainUnderTest struct {
	kc   Keychain
	dump func() map[string]string
}

// keychains are the keychains a save is tried with: one in memory, System on a
// private bus served by fakeSecrets (llmtap's D-Bus calls, end to end), and System
// on a real gnome-keyring-daemon.
var keychains = []struct {
	name string
	open func(t *testing.T) keychainUnderTest
}{
	{"memory", func(t *testing.T) keychainUnderTest {
		f := &fakeKeychain{m: map[string]string{}}
		return keychainUnderTest{f, func() map[string]string {
			f.mu.Lock()
			defer f.mu.Unlock()
			return maps.Clone(f.m)
		}}
	}},
	{"secret_service", func(t *testing.T) keychainUnderTest {
		f := serveFakeSecrets(t, privateBus(t))
		return keychainUnderTest{NewSystem(), func() map[string]string {
			f.mu.Lock()
			defer f.mu.Unlock()
			m := map[string]string{}
			for k, v := range f.items {
				m[k] = string(v.Value)
			}
			return m
		}}
	}},
	{"gnome_keyring", func(t *testing.T) keychainUnderTest {
		gnomeKeyring(t)
		kc := NewSystem()
		return keychainUnderTest{kc, func() map[string]string { return llmtapItems(t, kc) }}
	}},
}

// putText saves text over base through the API and decodes the answer.
func (s server) putText(t *testing.T, text string) (int, View, string) {
	t.Helper()
	_, v := s.do(t, "GET", "/api/providers/config", nil)
	body, _ := json.Marshal(map[string]string{"text": text, "base": v["text"].(string)})
	req, _ := http.NewRequest("PUT", s.URL+"/api/providers/config", bytes.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	var view View
	_ = json.Unmarshal(raw, &view)
	return res.StatusCode, view, string(raw)
}

func TestPutMovesTypedKeys(t *testing.T) {
	const (
		flowKey   = "sk-typed-flow-0000000001"
		blockKey  = "sk-ant-typed-block-0002"
		scalarKey = "gsk-typed-scalar-000003"
		fwdKey    = "lt-typed-forward-000004"
	)
	groq := "  - {name: groq, kind: openai, base_url: 'https://api.groq.com/openai/v1', keys: " + scalarKey + ", models: [llama]}\nforward_keys:"
	type edit struct{ from, to string }
	for _, tc := range []struct {
		name       string
		edits      []edit            // made to GET's text
		held       map[string]string // in the keychain before the save
		noKeychain bool
		code       int
		moved      []Moved
		secrets    map[string]string // what the keychain holds after
		inFile     []string
	}{
		{name: "flow_list", edits: []edit{{`'${DEEPSEEK_KEY}'`, `'${DEEPSEEK_KEY}', ` + flowKey}},
			code: 200, moved: []Moved{{6, "providers[0].keys[2]", "${keychain:deepseek-1}"}},
			secrets: map[string]string{"deepseek-1": flowKey}, inFile: []string{`keys: ["sk-live-0123456789abcdef", '${DEEPSEEK_KEY}', "${keychain:deepseek-1}", "plainsecret-4242-zzzz"]`}},
		{name: "block_list_skips_a_name_in_use", edits: []edit{{"      - ${keychain:claude-1}\n", "      - ${keychain:claude-1}\n      - '" + blockKey + "' # typed\n"}},
			code: 200, moved: []Moved{{14, "providers[1].keys[2]", "${keychain:claude-2}"}},
			secrets: map[string]string{"claude-2": blockKey}, inFile: []string{"      - \"${keychain:claude-2}\" # typed\n"}},
		{name: "scalar_keys_and_a_name_the_keychain_holds", edits: []edit{{"forward_keys:", groq}}, held: map[string]string{"groq-1": "someone-elses"},
			code: 200, moved: []Moved{{15, "providers[2].keys", "${keychain:groq-2}"}},
			secrets: map[string]string{"groq-1": "someone-elses", "groq-2": scalarKey}, inFile: []string{`keys: "${keychain:groq-2}", models: [llama]}`}},
		{name: "two_at_once", edits: []edit{{`'${DEEPSEEK_KEY}'`, `'${DEEPSEEK_KEY}', ` + flowKey}, {"forward_keys:", groq}},
			code: 200, moved: []Moved{{6, "providers[0].keys[2]", "${keychain:deepseek-1}"}, {15, "providers[2].keys", "${keychain:groq-1}"}},
			secrets: map[string]string{"deepseek-1": flowKey, "groq-1": scalarKey}},
		{name: "over_two_lines", edits: []edit{{"      - ${keychain:claude-1}\n", "      - ${keychain:claude-1}\n      - \"sk-ant-typed\n        -wrapped-0005\"\n"}},
			code: 200, moved: []Moved{{14, "providers[1].keys[2]", "${keychain:claude-2}"}},
			secrets: map[string]string{"claude-2": "sk-ant-typed -wrapped-0005"}, inFile: []string{`"${keychain:claude-2}"`}},
		{name: "forward_key_stays", edits: []edit{{`"••••0001"`, fwdKey}},
			code: 200, secrets: map[string]string{}, inFile: []string{"key: " + fwdKey}},
		{name: "masks_put_back_only", edits: []edit{{"rpm: 60", "rpm: 61"}},
			code: 200, secrets: map[string]string{}, inFile: []string{`"sk-live-0123456789abcdef"`, "plainsecret-4242-zzzz"}},
		{name: "refused_file", edits: []edit{{`'${DEEPSEEK_KEY}'`, `'${DEEPSEEK_KEY}', ` + flowKey}, {"kind: anthropic", "kind: anthropik"}},
			code: 400, secrets: map[string]string{}},
		{name: "no_keychain", edits: []edit{{`'${DEEPSEEK_KEY}'`, `'${DEEPSEEK_KEY}', ` + flowKey}}, noKeychain: true,
			code: 200, inFile: []string{`'${DEEPSEEK_KEY}', ` + flowKey}},
	} {
		for _, k := range keychains {
			if tc.noKeychain && k.name != "memory" {
				continue
			}
			t.Run(tc.name+"/"+k.name, func(t *testing.T) {
				kut := k.open(t)
				for n, v := range tc.held {
					if err := kut.kc.Set(n, v); err != nil {
						t.Fatal(err)
					}
				}
				var kc Keychain = kut.kc
				if tc.noKeychain {
					kc = nil
				}
				s := newServer(t, kc, golden(t))
				_, v := s.do(t, "GET", "/api/providers/config", nil)
				text := v["text"].(string)
				for _, e := range tc.edits {
					if !strings.Contains(text, e.from) {
						t.Fatalf("the view has no %q:\n%s", e.from, text)
					}
					text = strings.Replace(text, e.from, e.to, 1)
				}
				code, view, raw := s.putText(t, text)
				if code != tc.code {
					t.Fatalf("PUT = %d %s, want %d", code, raw, tc.code)
				}
				if diff := cmp.Diff(tc.moved, view.Moved); diff != "" {
					t.Errorf("moved (-want +got):\n%s", diff)
				}
				if !tc.noKeychain {
					if diff := cmp.Diff(tc.secrets, kut.dump()); diff != "" {
						t.Errorf("keychain (-want +got):\n%s", diff)
					}
				}
				disk, _ := os.ReadFile(s.path)
				if tc.code != 200 {
					if !bytes.Equal(disk, golden(t)) {
						t.Errorf("a refused save changed the file:\n%s", disk)
					}
					return
				}
				for _, want := range append(tc.inFile, "# the cheap one", "# llmtap providers: the comment on top") {
					if !bytes.Contains(disk, []byte(want)) {
						t.Errorf("the file has no %q:\n%s", want, disk)
					}
				}
				for _, m := range tc.moved {
					sec := tc.secrets[strings.TrimSuffix(strings.TrimPrefix(m.Ref, "${keychain:"), "}")]
					if bytes.Contains(disk, []byte(strings.Fields(sec)[0])) || strings.Contains(raw, strings.Fields(sec)[0]) {
						t.Errorf("the moved key %q is still in the file or the answer:\n%s\n%s", sec, disk, raw)
					}
				}
				// The gateway reads the moved keys back through the keychain.
				f, err := gateway.Parse(disk, Getenv(kc, func(string) string { return "" }))
				if err != nil {
					t.Fatal(err)
				}
				var values []string
				for _, p := range f.Providers {
					for _, key := range p.Keys {
						values = append(values, key.Value)
					}
				}
				for n, sec := range tc.secrets {
					if tc.held[n] == "" && !slices.Contains(values, sec) {
						t.Errorf("the gateway does not read %s's key %q: %q", n, sec, values)
					}
				}
				if fi, _ := os.Stat(s.path); fi.Mode().Perm() != 0o600 {
					t.Errorf("mode %v, want 0600", fi.Mode().Perm())
				}
			})
		}
	}
}

// failingKeychain stores nothing after its first n keys, and deletes.
type failingKeychain struct {
	fakeKeychain
	n int
}

func (f *failingKeychain) Set(name, secret string) error {
	if len(f.m) >= f.n {
		return os.ErrPermission
	}
	return f.fakeKeychain.Set(name, secret)
}

func (f *failingKeychain) Delete(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, name)
	return nil
}

// TestPutKeychainFails: a keychain that refuses the second key leaves the file as
// it was and no key of the save in the keychain.
func TestPutKeychainFails(t *testing.T) {
	kc := &failingKeychain{fakeKeychain{m: map[string]string{}}, 1}
	s := newServer(t, kc, golden(t))
	_, v := s.do(t, "GET", "/api/providers/config", nil)
	text := strings.Replace(v["text"].(string), `'${DEEPSEEK_KEY}'`, `'${DEEPSEEK_KEY}', sk-one-000000000001, sk-two-000000000002`, 1)
	code, _, raw := s.putText(t, text)
	var fe FieldError
	_ = json.Unmarshal([]byte(raw), &fe)
	if code != 400 || fe.Line != 6 || fe.Field != "providers[0].keys[3]" || !strings.Contains(fe.Msg, "keychain") {
		t.Fatalf("PUT = %d %s, want 400 at line 6, providers[0].keys[3]", code, raw)
	}
	if disk, _ := os.ReadFile(s.path); !bytes.Equal(disk, golden(t)) {
		t.Errorf("the file changed:\n%s", disk)
	}
	if len(kc.m) != 0 {
		t.Errorf("the keychain kept %v after a save that failed", kc.m)
	}
}

// FuzzMoveKeys: on any file, every literal provider key is replaced by a reference
// to what was stored, and nothing else changes: other keys, forward keys, and the
// rest of the tree.
func FuzzMoveKeys(f *testing.F) {
	seed, _ := os.ReadFile("testdata/providers.yaml")
	f.Add(seed)
	f.Add([]byte("providers:\n  - keys: secret-single-value-xyz\nforward_keys:\n  - key: 'it''s-a-secret-key'\n"))
	f.Add([]byte("providers:\n  - {name: a/b, keys: [\"a\\\"b-0123456789\", ключ-0123456789, \"••••\", '${X}']}\n"))
	f.Add([]byte("providers:\n  - keys:\n    - \"multi\n      line key\"\n    - x # c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kc := &fakeKeychain{m: map[string]string{}}
		out, moved, err := MoveKeys(data, newNamer(kc, data).put)
		if err != nil {
			t.Fatal(err)
		}
		var before, after yaml.Node
		if yaml.Unmarshal(data, &before) != nil {
			if !bytes.Equal(out, data) || moved != nil {
				t.Fatal("a file that does not parse was changed")
			}
			return
		}
		if err := yaml.Unmarshal(out, &after); err != nil {
			t.Fatalf("MoveKeys wrote a file that does not parse: %v\n%s", err, out)
		}
		nb, fb, _ := secretNodes(&before)
		na, fa, _ := secretNodes(&after)
		if !slices.Equal(fb, fa) {
			t.Fatalf("key fields %q became %q", fb, fa)
		}
		m := 0
		for i, n := range nb {
			if strings.HasPrefix(fb[i], "providers[") && isLiteral(n.Value) && !strings.HasPrefix(n.Value, maskPrefix) {
				if m >= len(moved) || moved[m].Field != fb[i] || moved[m].Ref != na[i].Value {
					t.Fatalf("%s = %q moved as %+v, now %q", fb[i], n.Value, moved, na[i].Value)
				}
				if got := Getenv(kc, nil)(strings.TrimSuffix(strings.TrimPrefix(na[i].Value, "${"), "}")); got != n.Value {
					t.Fatalf("%s resolves to %q, want %q", fb[i], got, n.Value)
				}
				m++
			} else if na[i].Value != n.Value {
				t.Fatalf("%s = %q changed to %q", fb[i], n.Value, na[i].Value)
			}
		}
		if m != len(moved) || len(kc.m) != m {
			t.Fatalf("%d keys moved, %d reported, %d in the keychain", m, len(moved), len(kc.m))
		}
		// With the keys blanked, both files hold the same values. Each goes
		// through the encoder first: when a key spans lines MoveKeys writes the
		// tree, and yaml.v3's encoder has quirks of its own (a null in a flow
		// mapping's key comes back "") that are not MoveKeys' doing.
		for _, n := range append(nb, na...) {
			n.Value, n.Style, n.Tag = "", 0, "!!str"
		}
		vb, errb := normalised(&before)
		va, erra := normalised(&after)
		if errb != nil || erra != nil {
			return // a tree yaml.v3 parses but cannot write or decode: nothing to compare
		}
		if diff := cmp.Diff(vb, va); diff != "" {
			t.Fatalf("the rest of the file changed (-before +after):\n%s", diff)
		}
	})
}

// normalised is what doc holds once written by the encoder and read back.
func normalised(doc *yaml.Node) (any, error) {
	b, err := encode(doc)
	if err != nil {
		return nil, err
	}
	var v any
	err = yaml.Unmarshal(b, &v)
	return v, err
}
