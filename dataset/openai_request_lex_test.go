package dataset

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// requestSeeds adds every golden request of the OpenAI dialect directories, and
// extra, to the corpus of f.
func requestSeeds(f *testing.F, extra ...string) {
	f.Helper()
	dir := filepath.Join("testdata", "openai")
	for _, name := range goldenCases(f, dir, ".req.json") {
		f.Add(readFile(f, filepath.Join(dir, name+".req.json")))
	}
	// The threading sessions' requests (most of them OpenAI's).
	sessions, err := filepath.Glob(filepath.Join("testdata", "threading", "*", "*.req"))
	if err != nil || len(sessions) == 0 {
		f.Fatalf("no threading requests: %v", err)
	}
	for _, p := range sessions {
		f.Add(readFile(f, p))
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// FuzzOpenAIRequest checks the lexer's request decoder against encoding/json:
// whenever it takes a body, json.Unmarshal must take it too and give the same
// openaiRequest.
func FuzzOpenAIRequest(f *testing.F) {
	requestSeeds(f,
		`{"model":"m","messages":[{"role":"user","content":"a\nb\u00e9\ud83d\ude00\ud800"}],"stream":true}`,
		`{"Model":"m"}`, `{"model":"a","model":"b"}`, `{"model":"\xff"}`, `{"messages":[null]}`, `null`, ` {} `, `{}x`,
		`{"messages":null,"tools":null,"functions":null,"stream":null,"continue_final_message":null}`,
		`{"messages":[],"tools":[],"functions":[]}`, `{"functions":[null,{"name":"f"},1]}`, `{"tools":{"a":1}}`,
		`{"messages":[{"role":"assistant","content":null,"prefix":true,"reasoning_details":[{"type":"reasoning.text","text":"t","signature":"s"}]}],"continue_final_message":false}`,
		`{"messages":[{"role":"assistant","reasoning_details":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{"a":[1,2]}}}],"function_call":{"name":"g","arguments":null}}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}`,
		`{"messages":[{"role":"tool","tool_call_id":"c","name":"f","content":42}]}`, `{"messages":[{"role":1}]}`,
		`{"messages":[{"reasoning_details":[null]}]}`, `{"messages":[{"prefix":"yes"}]}`, `{"stream":1}`,
		`{"x":[1,-2.5e+3,true,false,null,{"y":{}},[]],"messages":[{"ſ":1,"K":2}]}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastDecode(t, data, func(b []byte, r *openaiRequest) bool { return fastOpenAIRequest(b, r, false) })
	})
}

// FuzzOpenAIParts checks the lexer's reading of a content array of parts against
// the encoding/json one.
func FuzzOpenAIParts(f *testing.F) {
	for _, s := range []string{
		`[]`, ` [ ] `, `[{"type":"text","text":"a"},{"text":"b"},{"type":"text"}]`,
		`[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]`,
		`[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}},{"type":"image_url","image_url":null}]`,
		`[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]`,
		`[{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERg==","filename":"a.pdf"}},{"type":"file","file":{"file_id":"file-1"}}]`,
		`[1,"x",null,{"type":"text","text":"a"}]`, `[{"type":"text","text":5}]`, `[{"Type":"text","text":"a"}]`,
		`[{"type":"text","text":"a","text":"b"}]`, `[{"type":"text","text":"\xff"}]`, `[{"image_url":{"URL":"x"}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		text, media, ok := fastOpenAIParts(raw)
		if !ok {
			return
		}
		wantText, wantMedia, err := jsonOpenAIParts(raw)
		if err != nil {
			t.Fatalf("fast path took %q, encoding/json refused it: %v", raw, err)
		}
		if text != wantText || !reflect.DeepEqual(media, wantMedia) {
			t.Fatalf("parts %q: fast %q %+v, encoding/json %q %+v", raw, text, media, wantText, wantMedia)
		}
		// Owned, every text passed over and then decoded where it lies (which leaves
		// the input no longer JSON): what encoding/json read of the input as it was.
		owned := bytes.Clone(raw)
		texts, media, long, ok := lexOpenAIParts(owned, 1)
		if !ok {
			t.Fatalf("parts %q: read, but not when owned", raw)
		}
		for _, l := range long {
			s, err := jsonText(l.raw, true)
			if err != nil {
				t.Fatalf("text %d (%q) passed over, then refused: %v", l.block, l.raw, err)
			}
			texts[l.block] = s
		}
		if got := strings.Join(texts, "\n"); got != wantText || !reflect.DeepEqual(media, wantMedia) {
			t.Fatalf("parts %q owned: %q %+v, encoding/json %q %+v", raw, got, media, wantText, wantMedia)
		}
	})
}

// FuzzRequestModel checks RequestModel's lexer path against its encoding/json one.
func FuzzRequestModel(f *testing.F) {
	requestSeeds(f, `{"model":null}`, `{"model":5}`, `{"MODEL":"a"}`, `{"model":"a","model":"b"}`, `{"model":"a"} x`,
		`{"model":"a\u00e9","x":"\xff"}`, `{"model":"\ud800"}`, `{"x":{"model":"inner"}}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := requestModelFast(body)
		if !ok {
			return
		}
		var req struct {
			Model string `json:"model"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("fast path took %q, json.Unmarshal refused it: %v", body, err)
		}
		if got != req.Model {
			t.Fatalf("model of %q: fast %q, encoding/json %q", body, got, req.Model)
		}
	})
}

// TestOpenAIRequestFastPath checks which requests the lexer takes: all the golden
// ones, and none of the shapes encoding/json could read otherwise.
func TestOpenAIRequestFastPath(t *testing.T) {
	dir := filepath.Join("testdata", "openai")
	for _, name := range goldenCases(t, dir, ".req.json") {
		t.Run(name, func(t *testing.T) {
			var r openaiRequest
			if !fastOpenAIRequest(readFile(t, filepath.Join(dir, name+".req.json")), &r, false) {
				t.Errorf("golden request %s went to encoding/json", name)
			}
		})
	}
	for _, tt := range []struct {
		name, body string
		take       bool
	}{
		{"plain", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, true},
		{"prefix_and_details", `{"messages":[{"role":"assistant","prefix":true,"reasoning_details":[{"type":"reasoning.text","text":"t"}]}]}`, true},
		{"parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`, true},
		{"key_case", `{"Messages":[]}`, false},
		{"repeated_key", `{"model":"a","model":"b"}`, false},
		{"not_utf8", "{\"model\":\"\xff\"}", false},
		{"number_for_string", `{"messages":[{"role":"user","name":1}]}`, false},
		{"null_message", `{"messages":[null]}`, false},
		{"top_null", `null`, false},
		{"trailing", `{}{}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var r openaiRequest
			if got := fastOpenAIRequest([]byte(tt.body), &r, false); got != tt.take {
				t.Errorf("fastOpenAIRequest(%s) = %v, want %v", tt.body, got, tt.take)
			}
		})
	}
}
