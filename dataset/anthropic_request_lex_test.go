package dataset

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// anthropicRequestSeeds adds the golden Anthropic requests, and extra, to f's corpus.
func anthropicRequestSeeds(f *testing.F, extra ...string) {
	f.Helper()
	dir := filepath.Join("testdata", "anthropic")
	for _, name := range goldenCases(f, dir, ".req.json") {
		f.Add(readFile(f, filepath.Join(dir, name+".req.json")))
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// FuzzAnthropicRequest checks the lexer's request decoder against encoding/json,
// as FuzzOpenAIRequest does.
func FuzzAnthropicRequest(f *testing.F) {
	anthropicRequestSeeds(f,
		`{"model":"claude","system":"s","messages":[{"role":"user","content":"hi"}],"stream":true,"metadata":{"user_id":"u"}}`,
		`{"system":null,"messages":null,"tools":null,"stream":null,"metadata":null}`, `{"Model":"m"}`,
		`{"messages":[null]}`, `{"messages":[{"role":"user","content":[{"type":"text","text":"a"}],"role":"x"}]}`,
		`{"metadata":{"user_id":1}}`, `{"model":"\xff"}`, `null`, `{} x`, `{"tools":[{"name":"t","input_schema":{}}]}`)
	f.Fuzz(func(t *testing.T, data []byte) { checkFastDecode(t, data, fastAnthropicRequest) })
}

// FuzzAnthropicBlocks checks the lexer's reading of an array of content blocks
// against encoding/json's.
func FuzzAnthropicBlocks(f *testing.F) {
	for _, s := range []string{
		`[]`, ` [{"type":"text","text":"a\nb"}] `,
		`[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"document","source":{"type":"content","content":[{"type":"text","text":"d"}]}}]`,
		`[{"type":"tool_use","id":"t1","name":"f","input":{"a":[1,2.5e3,null,true]}},{"type":"tool_result","tool_use_id":"t1","content":"ok","is_error":false}]`,
		`[{"type":"thinking","thinking":"hm","signature":"sig"},{"type":"redacted_thinking","data":"xyz"}]`,
		`[{"type":"image","source":null},{"type":"image","source":{"type":"url","url":"https://x/a.png"}},{"type":"document","source":{"type":"file","file_id":"f1"}}]`,
		`[null]`, `[1]`, `[{"Type":"text"}]`, `[{"type":"text","type":"x"}]`, `[{"text":5}]`, `[{"text":"\xff"}]`, `[{"input":null,"content":null}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkFastDecode(t, raw, fastAnthropicBlocks)
		// Owned, every text passed over and then decoded where it lies (which leaves
		// the input no longer JSON): what encoding/json reads of the input as it was.
		var got []anthropicBlock
		owned := bytes.Clone(raw)
		long, ok := lexAnthropicBlocks(owned, &got, 1)
		if !ok {
			return
		}
		for _, l := range long {
			s, err := jsonText(l.raw, true)
			if err != nil {
				t.Fatalf("text of block %d (%q) passed over, then refused: %v", l.block, l.raw, err)
			}
			got[l.block].Text = s
		}
		var want []anthropicBlock
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("owned fast path took %q, json.Unmarshal refused it: %v", raw, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("owned decode of %q (-json.Unmarshal +fast):\n%s", raw, diff)
		}
	})
}

// TestAnthropicRequestFastPath checks that the lexer takes every golden request
// and every content array in them.
func TestAnthropicRequestFastPath(t *testing.T) {
	dir := filepath.Join("testdata", "anthropic")
	for _, name := range goldenCases(t, dir, ".req.json") {
		t.Run(name, func(t *testing.T) {
			var r anthropicRequest
			if !fastAnthropicRequest(readFile(t, filepath.Join(dir, name+".req.json")), &r) {
				t.Fatalf("golden request %s went to encoding/json", name)
			}
			for i, m := range r.Messages {
				var blocks []anthropicBlock
				if len(m.Content) > 0 && m.Content[0] == '[' && !fastAnthropicBlocks(m.Content, &blocks) {
					t.Errorf("message %d's blocks went to encoding/json: %s", i, m.Content)
				}
			}
		})
	}
}
