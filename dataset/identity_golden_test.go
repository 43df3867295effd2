package dataset

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateKeys = flag.Bool("update-keys", false, "rewrite testdata/identity/keys.json from the current MessageKey")

// keyCases are messages whose keys stored databases hold: the golden file pins
// them, so a faster MessageKey cannot change a key (which would split every
// stored conversation from its next request until `llmtap reindex`).
func keyCases() []struct {
	Name, Parent string
	M            Message
} {
	long := strings.Repeat("w1 w22 w333\n", 20000) // long and canonical but for the end
	return []struct {
		Name, Parent string
		M            Message
	}{
		{"plain", "", Message{Role: RoleUser, Content: "Hello there."}},
		{"with_parent", "0123456789abcdef0123456789abcdef", Message{Role: RoleAssistant, Content: "Hi!"}},
		{"empty", "", Message{Role: RoleAssistant}},
		{"whitespace_runs", "p", Message{Role: RoleUser, Content: "  a  b\t\tc\u00a0d \r\n\r\n e  "}},
		{"leading_newlines", "", Message{Role: RoleUser, Content: "\n\n\nhello\n"}},
		{"nbsp_edges", "", Message{Role: RoleUser, Content: "\u00a0x\u00a0\u00a0y\u00a0"}},
		{"lone_c2", "", Message{Role: RoleUser, Content: "\xc2 \xc2\xc2\xa0z"}},
		{"long_trailing_space", "", Message{Role: RoleAssistant, Content: long + " "}},
		{"long_trailing_newline", "k", Message{Role: RoleAssistant, Content: long}},
		// Past parallelKeysFrom: MessageKeys hashes the two keys at once.
		{"longer_than_parallel", "k", Message{Role: RoleAssistant, Content: long + long[:40000]}},
		{"long_crlf_middle", "", Message{Role: RoleAssistant, Content: long[:5000] + "\r\n" + long[5000:10000]}},
		{"tool_calls", "k", Message{Role: RoleAssistant, ToolCalls: []ToolCall{
			{ID: "call_1", Name: "f", Arguments: `{"b": 1, "a": [1, 2]}`}, {ID: "call_2", Name: "g", Arguments: "not json"}}}},
		{"tool_result", "k", Message{Role: RoleTool, ToolCallID: "call_1", Content: "result\n\n"}},
		{"media", "", Message{Role: RoleUser, Content: "what is this", Media: []Media{
			{Kind: "image", Data: []byte("cat")}, {Kind: "image", URL: "https://x/1.png"}, {Kind: "audio", Hash: "ab"}}}},
		{"reasoning_and_name", "", Message{Role: RoleAssistant, Content: "x", Reasoning: "r", Name: "bob"}},
	}
}

func TestMessageKeyGolden(t *testing.T) {
	path := filepath.Join("testdata", "identity", "keys.json")
	got := map[string]string{}
	for _, c := range keyCases() {
		got[c.Name] = MessageKey(c.Parent, c.M)
		key, contentKey := MessageKeys(c.Parent, c.M)
		if key != got[c.Name] || contentKey != MessageKey("", c.M) {
			t.Errorf("%s: MessageKeys = %s, %s; want %s, %s", c.Name, key, contentKey, got[c.Name], MessageKey("", c.M))
		}
	}
	if *updateKeys {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Errorf("%d golden keys, %d cases", len(want), len(got))
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("MessageKey(%s) = %s, want %s (stored databases hold it)", name, got[name], w)
		}
	}
}

// refCanonicalText is canonicalText as it was first written, byte by byte: the
// definition the faster one must keep.
func refCanonicalText(s string) string {
	b := make([]byte, 0, len(s))
	space, newline := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			space = true
			continue
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0:
			space = true
			i++
			continue
		case c == '\n' || c == '\r':
			newline, space = true, false
			continue
		}
		switch {
		case len(b) == 0:
		case newline:
			b = append(b, '\n')
		case space:
			b = append(b, ' ')
		}
		newline, space = false, false
		b = append(b, c)
	}
	return string(b)
}

// FuzzCanonicalText checks canonicalText and isCanonicalText against the byte by
// byte definition, and that the chunked framing hashes the bytes encode returns.
func FuzzCanonicalText(f *testing.F) {
	for _, c := range keyCases() {
		f.Add(c.M.Content, uint16(16))
	}
	f.Add("a \xc2\xa0b\xc2", uint16(17))
	f.Add("x\n\r\n y\t", uint16(40))
	// Long enough for the eight-byte scan, with what stops it at and across its words.
	f.Add("a long answer, line one\nline two: 成都美食 and more words here.\n"+"x  y", uint16(50))
	f.Add("1234567 \n234567\n x\xc2\xa0y1234567\x01\t", uint16(60))
	f.Fuzz(func(t *testing.T, s string, chunk uint16) {
		want := refCanonicalText(s)
		if got := canonicalText(s); got != want {
			t.Fatalf("canonicalText(%q) = %q, want %q", s, got, want)
		}
		if got := isCanonicalText(s); got != (want == s) {
			t.Fatalf("isCanonicalText(%q) = %v, want %v", s, got, want == s)
		}
		c := canonicalMessage{Parent: "p", Role: RoleUser, Content: want, ToolCalls: []canonicalCall{{ID: s, Name: "n"}}}
		var framed strings.Builder
		c.frame(&framed, make([]byte, 0, 16+int(chunk)%4096))
		if enc := c.encode(); framed.String() != string(enc) {
			t.Fatalf("frame with a %d-byte buffer wrote %q, encode %q", 16+int(chunk)%4096, framed.String(), enc)
		}
	})
}
