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
