package gateway

import (
	"errors"
	"testing"
)

func TestErrorAt(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		line       int
		field      string
	}{
		{"unknown kind", "providers:\n  - name: a\n    kind: nope\n", 3, "providers[0].kind"},
		{"syntax", "providers:\n\t- name: a\n", 2, ""},
		{"missing models", "providers:\n  - name: a\n    kind: openai\n    base_url: http://x\n    keys: [k]\n", 2, "providers[0].models"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.file), func(string) string { return "" })
			line, field, msg, ok := ErrorAt(err)
			if !ok || line != tc.line || field != tc.field || msg == "" {
				t.Fatalf("ErrorAt(%v) = %d, %q, %q, %v; want line %d field %q", err, line, field, msg, ok, tc.line, tc.field)
			}
		})
	}
	if _, _, _, ok := ErrorAt(errors.New("other")); ok {
		t.Fatal("ErrorAt took an error Parse does not return")
	}
}
