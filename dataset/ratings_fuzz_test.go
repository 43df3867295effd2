package dataset

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzKTOThumbs writes rated conversations (thumbs on any message, any status) as
// KTO through a RepairWriter: every line passes ValidateKTO, no line is written
// twice, and the report counts each line.
func FuzzKTOThumbs(f *testing.F) {
	dir := filepath.Join("testdata", "formats")
	for _, name := range goldenCases(f, dir, ".in.json") {
		f.Add(readFile(f, filepath.Join(dir, name+".in.json")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in shareGPTInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		var out, invalid bytes.Buffer
		rw, err := NewRepairWriter(FormatKTO, &out, &invalid, ShareGPTOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := rw.Write(in.Conversation); err != nil {
			t.Fatal(err)
		}
		rep, err := rw.Close()
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if out.Len() == 0 {
			lines = nil
		}
		if len(lines) != rep.Written {
			t.Fatalf("report %+v for %d lines", rep, len(lines))
		}
		seen := map[string]bool{}
		for _, l := range lines {
			if err := ValidateKTO([]byte(l)); err != nil {
				t.Fatalf("line %s: %v", l, err)
			}
			if seen[l] {
				t.Fatalf("line written twice: %s", l)
			}
			seen[l] = true
		}
	})
}

// FuzzPairSiblings checks the rules of PairSiblings over any siblings: no pair of
// an answer with itself or made twice, an answer rated down chosen and one rated
// up rejected only for an answer a reviewer preferred, and a thumbs pair only over
// an answer rated down.
func FuzzPairSiblings(f *testing.F) {
	f.Add([]byte{0x01, 0x12, 0x23, 0x34})
	f.Add([]byte{0x41, 0x82, 0xc3, 0x04, 0x15})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8 {
			data = data[:8]
		}
		sibs := make([]Sibling, len(data))
		for i, b := range data {
			sibs[i] = Sibling{ID: int64(i + 1), Exchange: int64(b>>6) + 1, Text: string(rune('a' + b%5)),
				Preferred: b&8 != 0, Continued: b&16 != 0, ClientEdit: b&32 != 0, Thumb: int(b%3) - 1}
		}
		seen := map[[2]int]bool{}
		for _, p := range PairSiblings(sibs) {
			c, r := sibs[p.Chosen], sibs[p.Rejected]
			k := [2]int{p.Chosen, p.Rejected}
			switch {
			case p.Chosen == p.Rejected || seen[k]:
				t.Fatalf("pair %+v of %+v: an answer with itself, or twice", p, sibs)
			case c.Thumb < 0 && !c.Preferred:
				t.Fatalf("pair %+v of %+v: chooses an answer rated down", p, sibs)
			case r.Thumb > 0 && !c.Preferred:
				t.Fatalf("pair %+v of %+v: rejects an answer rated up", p, sibs)
			case p.Rule == RuleThumbs && (r.Thumb >= 0 || c.Thumb < 0):
				t.Fatalf("pair %+v of %+v: a thumbs pair not over an answer rated down", p, sibs)
			}
			seen[k] = true
		}
	})
}
