package gateway

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzIssueForwardKey: on any providers file Parse accepts, issuing a key leaves a
// file that parses to the same providers, models and settings, with the new key
// after the old ones, and keeps every comment line; removing it gives the same
// keys as before.
func FuzzIssueForwardKey(f *testing.F) {
	if seed, err := os.ReadFile(filepath.Join("testdata", "example.yaml")); err == nil {
		f.Add(string(seed), "laptop")
	}
	f.Add("# mine\nproviders:\n  - {name: a, kind: openai, base_url: 'http://x', keys: [k], models: ['c-*']} # inline\nforward_keys:\n  - { key: lt-old }\n", "ci")
	f.Add("", "")
	f.Add("forward_keys:\n", "n")
	f.Add("forward_keys: []\ncache: {ttl: 1h}\n", "x")
	f.Fuzz(func(t *testing.T, file, name string) {
		before, err := Parse([]byte(file), env(nil))
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), "providers.yaml")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		g := New(Config{Path: path, Getenv: env(nil)})
		k, err := g.IssueForwardKey(NewForwardKey{Name: name, Models: []string{"m-*"}, RPM: 5})
		if err != nil {
			return // a name the file refuses (taken, shaped like a key)
		}
		data, _ := os.ReadFile(path)
		after, err := Parse(data, env(nil))
		if err != nil {
			t.Fatalf("issued file refused: %v\n%s", err, data)
		}
		n := len(before.ForwardKeys)
		if len(after.ForwardKeys) != n+1 || after.ForwardKeys[n].Key != k.Key || after.ForwardKeys[n].ID() != k.ID ||
			after.ForwardKeys[n].RPM != 5 {
			t.Fatalf("forward keys %+v, want the old ones and %+v", after.ForwardKeys, k)
		}
		after.ForwardKeys = after.ForwardKeys[:n]
		if len(before.ForwardKeys) == 0 {
			after.ForwardKeys = nil
		}
		if !sameFile(before, after) {
			t.Fatalf("issuing a key changed the rest of the file:\n%s\n---\n%s", file, data)
		}
		for _, line := range strings.FieldsFunc(file, func(r rune) bool { return r == '\n' || r == '\r' }) { // YAML's line breaks
			if c := strings.TrimSpace(line); strings.HasPrefix(c, "#") && !strings.Contains(string(data), c) {
				t.Errorf("comment %q lost", c)
			}
		}
		if err := g.RemoveForwardKey(k.ID); err != nil {
			t.Fatalf("remove: %v", err)
		}
		data, _ = os.ReadFile(path)
		again, err := Parse(data, env(nil))
		if err != nil || len(again.ForwardKeys) != n {
			t.Fatalf("after remove: %v, %d keys, want %d", err, len(again.ForwardKeys), n)
		}
	})
}

// sameFile compares two parsed files but for their line numbers.
func sameFile(a, b *File) bool {
	strip := func(f *File) File {
		c := *f
		c.Providers = append([]ProviderSpec(nil), f.Providers...)
		for i := range c.Providers {
			c.Providers[i].Line = 0
		}
		if len(c.ForwardKeys) == 0 {
			c.ForwardKeys = nil
		}
		return c
	}
	return reflect.DeepEqual(strip(a), strip(b))
}

func TestIssueForwardKeyRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "providers.yaml")
	if err := os.WriteFile(path, []byte("forward_keys:\n  - { key: lt-a, name: taken }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g := New(Config{Path: path})
	for _, req := range []NewForwardKey{{Name: "taken"}, {Name: "lt-shaped"}, {Models: []string{"["}}, {Expires: "soon"}, {RPM: -1}} {
		if _, err := g.IssueForwardKey(req); err == nil {
			t.Errorf("IssueForwardKey(%+v) = nil, want a refusal", req)
		}
	}
	data, _ := os.ReadFile(path)
	if string(data) != "forward_keys:\n  - { key: lt-a, name: taken }\n" {
		t.Errorf("a refusal changed the file:\n%s", data)
	}
	if err := g.RemoveForwardKey("nobody"); err == nil {
		t.Error("RemoveForwardKey(nobody) = nil, want not found")
	}
}
