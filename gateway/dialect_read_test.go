package gateway

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzReadReqInfo holds readReqInfo to json.Unmarshal: the same model and stream,
// and a body refused by one is refused by the other.
func FuzzReadReqInfo(f *testing.F) {
	for _, s := range []string{
		`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[],"stream":null,"model":"m\u00e9"}`,
		`{"stream":false,"model":"a","tools":[{"x":[1,2.5e3,true,null,{}]}]}`,
		`{"Model":"folded"}`, `{"model":"a","model":"b"}`, `{"model":7}`, `{"stream":"yes"}`,
		"{\"model\":\"\xff\"}", `{"model":"a"} x`, `{"model":"a",}`, `{}`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := readReqInfo(body)
		var want reqInfo
		wantOK := len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &want) == nil
		if !wantOK {
			want = reqInfo{}
		}
		if ok != wantOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("readReqInfo(%q) = %+v, %v; json.Unmarshal: %+v, %v", body, got, ok, want, wantOK)
		}
	})
}

// TestReadRequestHistory: a long request's model and stream are read (the
// lexer's path, not the fallback's: its result is the same, so the fuzz test
// above holds that part).
func TestReadRequestHistory(t *testing.T) {
	body := openAIHistory(t)
	for _, c := range []struct {
		kind, path string
		model      string
		stream     bool
	}{
		{KindOpenAI, "/v1/chat/completions", "claude-bench", true},
		{KindOllama, "/api/chat", "claude-bench", true},
	} {
		if m, s := readRequest(c.kind, c.path, body); m != c.model || s != c.stream {
			t.Errorf("%s: readRequest = %q, %v; want %q, %v", c.kind, m, s, c.model, c.stream)
		}
	}
}

// FuzzModelSpan holds lexModelSpan, where it is sure, to json.Decoder's span.
func FuzzModelSpan(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"user","content":"{\"model\":\"x\"}"}],"model":"gpt-4o","stream":true}`,
		`{"model" : "a"}`, ` {"mod\u0065l":"a"}`, `{"model":7,"model":"b"}`, `{"Model":"a"}`,
		`{"nested":{"model":"x"}}`, `{"a":[1,{"b":null}],"model":"\u00e9\ud83d\ude00"}`, `{}`, `[]`, `{"a":1`,
		"{\"k\xff\":1,\"model\":\"a\"}", `{"a":tru,"model":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		start, end, ok, sure := lexModelSpan(body)
		if !sure {
			return
		}
		ws, we, wok := decodeModelSpan(body)
		if ok != wok || (ok && (start != ws || end != we)) {
			t.Fatalf("lexModelSpan(%q) = %d, %d, %v; json.Decoder: %d, %d, %v", body, start, end, ok, ws, we, wok)
		}
	})
}

// BenchmarkReadHistory reads a 50-turn request's model and stream and then swaps
// its model, as routing to an alias does, with the lexer and with the
// encoding/json readers it stands in for.
func BenchmarkReadHistory(b *testing.B) {
	body := openAIHistory(b)
	b.Run("lexer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			readReqInfo(body)
			lexModelSpan(body)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ri reqInfo
			_ = json.Unmarshal(body, &ri)
			decodeModelSpan(body)
		}
	})
}
