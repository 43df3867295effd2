package dataset

import (
	"bytes"
	"encoding/json"
	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"
	"unsafe"
)

// TestParseOwned: a round parsed from a body given up to it is the round Parse
// reads, and a message text of 1 MiB or more lies in the body's memory (decoded
// where it stood when it had escapes) instead of a copy of its own.
func TestParseOwned(t *testing.T) {
	long := func(unit string) string { return strings.Repeat(unit, (1<<20)/len(unit)+1) }
	escaped := long("line \"one\"\n\ttab 成都 \\ slash 🦊 ")
	parts := func(text string) any { return []map[string]any{{"type": "text", "text": text}} }
	tests := []struct {
		name    string
		content any // the user message's content: its text, or parts
		text    string
		shared  bool // the text should use the body's memory
	}{
		{"escaped_lines_quotes_and_pairs", escaped, escaped, true},
		{"plain", long("plain words and 成都 "), long("plain words and 成都 "), true},
		{"short_escaped", "two\nlines", "two\nlines", false},
		// Content parts, as several clients send even a plain prompt.
		{"text_part_escaped", parts(escaped), escaped, true},
		{"text_part_plain", parts(long("plain words and 成都 ")), long("plain words and 成都 "), true},
		{"text_part_beside_an_image", []map[string]any{{"type": "image_url", "image_url": map[string]string{"url": "https://x/a.png"}},
			{"type": "text", "text": escaped}}, escaped, true},
	}
	resp := []byte(`{"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]any{"model": "m", "messages": []map[string]any{
				{"role": "system", "content": "be brief\n"},
				{"role": "user", "content": tt.content},
			}})
			if err != nil {
				t.Fatal(err)
			}
			want, err := Parse(OpenAIChat, body, resp)
			if err != nil {
				t.Fatal(err)
			}
			owned := bytes.Clone(body)
			got, err := ParseOwned(OpenAIChat, owned, resp)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Messages) != 2 || got.Messages[1].Content != tt.text || got.Messages[0].Content != "be brief\n" {
				t.Fatalf("messages %d, user text of %d bytes, want the %d sent", len(got.Messages), len(got.Messages[1].Content), len(tt.text))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseOwned's round differs from Parse's (-Parse +ParseOwned):\n%.2000s", diff)
			}
			p := uintptr(unsafe.Pointer(unsafe.StringData(got.Messages[1].Content)))
			start := uintptr(unsafe.Pointer(&owned[0]))
			inBody := p >= start && p < start+uintptr(len(owned))
			if inBody != tt.shared {
				t.Errorf("text in the body's memory: %v, want %v", inBody, tt.shared)
			}
		})
	}
}

// FuzzJSONTextInPlace holds decoding a string where it lies to decoding it into a
// buffer of its own: the same text, or the same refusal, for any input.
func FuzzJSONTextInPlace(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\nb\"c\\d\/e\u00e9\ud83e\udd8a\ud800x\t"`, `"\u6210\u90fd"`, `"cut\`, `"\uZZZZ"`, `"` + "\x01" + `"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) == 0 || raw[0] != '"' {
			return // jsonText is handed strings only
		}
		want, wantErr := jsonText(bytes.Clone(raw), false)
		got, err := jsonText(bytes.Clone(raw), true)
		if got != want || (err == nil) != (wantErr == nil) {
			t.Fatalf("in place %q, %v; into a buffer %q, %v", got, err, want, wantErr)
		}
	})
}

// TestParseOwnedAnthropic: an Anthropic message whose text is long, as its content
// string or as a text block (as Claude Code sends it), uses the body's memory too,
// escaped or not, and the round is Parse's.
func TestParseOwnedAnthropic(t *testing.T) {
	resp := []byte(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}`)
	escaped := strings.Repeat("line \"one\"\n成都 ", (1<<20)/16+1)
	plain := strings.Repeat("plain 成都 words ", (1<<20)/16+1)
	block := func(text string) any {
		return []map[string]any{{"type": "text", "text": text, "cache_control": map[string]string{"type": "ephemeral"}}}
	}
	tests := []struct {
		name    string
		content any
		text    string
	}{
		{"string_escaped", escaped, escaped},
		{"string_plain", plain, plain},
		{"text_block_escaped", block(escaped), escaped},
		{"text_block_plain", block(plain), plain},
		{"text_block_among_others", []map[string]any{{"type": "image", "source": map[string]string{"type": "url", "url": "https://x/a.png"}},
			{"type": "text", "text": escaped}, {"type": "tool_result", "tool_use_id": "t1", "content": "done"}}, escaped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]any{"model": "claude-x", "max_tokens": 10, "system": "be brief\n",
				"messages": []map[string]any{{"role": "user", "content": tt.content}}})
			if err != nil {
				t.Fatal(err)
			}
			want, err := Parse(Anthropic, body, resp)
			if err != nil {
				t.Fatal(err)
			}
			owned := bytes.Clone(body)
			got, err := ParseOwned(Anthropic, owned, resp)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("ParseOwned's round differs from Parse's (-Parse +ParseOwned):\n%.2000s", diff)
			}
			var long string
			for _, m := range got.Messages {
				if m.Content == tt.text {
					long = m.Content
				}
			}
			if long == "" {
				t.Fatalf("no message holds the %d-byte text", len(tt.text))
			}
			p := uintptr(unsafe.Pointer(unsafe.StringData(long)))
			if start := uintptr(unsafe.Pointer(&owned[0])); p < start || p >= start+uintptr(len(owned)) {
				t.Error("the long text is a copy, not the body's memory")
			}
		})
	}
}
