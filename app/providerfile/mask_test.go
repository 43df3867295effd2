package providerfile

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"sk-0123456789ab": "••••89ab", "short": "••••", "": "••••", "ключ-0123456789": "••••6789"} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// keysOf returns the key scalars of a file, in order.
func keysOf(data []byte) []string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	nodes, _, _ := secretNodes(&doc)
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Value
	}
	return out
}

func TestUnmaskFollowsProviders(t *testing.T) {
	old := []byte("providers:\n  - {name: a, keys: [short-a]}\n  - {name: b, keys: [short-b]}\n")
	// The editor swapped the providers: both keys show as ••••.
	edited := []byte("providers:\n  - {name: b, keys: [\"••••\"]}\n  - {name: a, keys: [\"••••\"]}\n")
	got, err := Unmask(edited, old)
	if err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(got); len(keys) != 2 || keys[0] != "short-b" || keys[1] != "short-a" {
		t.Fatalf("keys after swapping the providers = %q, want each provider's own", keys)
	}
	// A provider renamed in the editor still gets a key of that mask, in order.
	got, err = Unmask([]byte("providers:\n  - {name: c, keys: [\"••••\"]}\n"), old)
	if err != nil || keysOf(got)[0] != "short-a" {
		t.Fatalf("renamed provider: %q, %v", keysOf(got), err)
	}
}

func FuzzMaskText(f *testing.F) {
	seed, _ := os.ReadFile("testdata/providers.yaml")
	f.Add(seed)
	f.Add([]byte("providers:\n  - keys: secret-single-value-xyz\nforward_keys:\n  - key: 'it''s-a-secret-key'\n"))
	f.Add([]byte("providers:\n  - keys: [\"a\\\"b-0123456789\", ключ-0123456789, \"••••\"]\n"))
	f.Add([]byte("providers:\n  - keys:\n    - \"multi\n      line key\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		masked := MaskText(data)
		before := keysOf(data)
		after := keysOf(masked)
		if before == nil {
			return
		}
		if len(after) != len(before) {
			t.Fatalf("masking changed the number of keys: %q → %q", before, after)
		}
		for i, k := range before {
			if isLiteral(k) && !strings.HasPrefix(k, maskPrefix) && after[i] != Mask(k) {
				t.Fatalf("key %d %q shown as %q, want %q", i, k, after[i], Mask(k))
			}
		}
		back, err := Unmask(masked, data)
		if err != nil {
			t.Fatalf("Unmask of the file's own mask: %v", err)
		}
		restored := keysOf(back)
		for i, k := range before {
			if !strings.HasPrefix(k, maskPrefix) && restored[i] != k {
				t.Fatalf("key %d = %q after a round trip, want %q", i, restored[i], k)
			}
		}
	})
}
