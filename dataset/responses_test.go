package dataset

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkParseGolden runs Parse on every <case>.req.json (and <case>.resp) in dir
// and compares the result with <case>.golden.json. dialect picks the dialect of
// a case by its name.
func checkParseGolden(t *testing.T, dir string, dialect func(name string) Dialect) {
	t.Helper()
	for _, name := range goldenCases(t, dir, ".req.json") {
		t.Run(name, func(t *testing.T) {
			base := filepath.Join(dir, name)
			var got openaiGolden
			r, err := Parse(dialect(name), readFile(t, base+".req.json"), readFile(t, base+".resp"))
			if err != nil {
				got.Error = err.Error()
			}
			got.Round = r
			checkGolden(t, base+".golden.json", got)
		})
	}
}

func TestParseOpenAIResponsesGolden(t *testing.T) {
	checkParseGolden(t, filepath.Join("testdata", "responses"), func(string) Dialect { return OpenAIResponses })
}

func TestParseOpenAIResponsesLenient(t *testing.T) {
	const req = `{"model":"m","stream":true,"input":"hi"}`
	tests := []struct {
		name           string
		resp           string
		wantContent    string
		wantArgs       string
		wantIncomplete bool
	}{
		{"no_event_lines_no_added", // a compatible server that sends only data lines and deltas
			"data: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"b\"}\n\n" +
				"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\",\"output\":[]}}\n\n",
			"ab", "", false},
		{"done_text_wins_over_deltas",
			"data: {\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":\"ab\"}\n\n" +
				"data: {\"type\":\"response.output_text.done\",\"output_index\":0,\"text\":\"abc\"}\n\n" +
				"data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}\n\n",
			"abc", "", false},
		{"args_by_item_id",
			"data: {\"type\":\"response.output_item.added\",\"output_index\":3,\"item\":{\"type\":\"function_call\",\"id\":\"fc\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"\"}}\n\n" +
				"data: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc\",\"delta\":\"{}\"}\n\n",
			"", "{}", true},
		{"garbage_event", "data: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\ndata: nope\n\n" +
			"data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}\n\ndata: [DONE]\n\n", "a", "", true},
		{"huge_indexes", "data: {\"type\":\"response.output_text.delta\",\"output_index\":999999999,\"content_index\":999999999,\"delta\":\"a\"}\n\n" +
			"data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}\n\n", "a", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseOpenAIResponses([]byte(req), []byte(tt.resp))
			if err != nil {
				t.Fatalf("ParseOpenAIResponses(%q) error = %v", tt.resp, err)
			}
			if len(r.Answers) != 1 {
				t.Fatalf("ParseOpenAIResponses(%q) answers = %d, want 1", tt.resp, len(r.Answers))
			}
			a := r.Answers[0]
			var args []string
			for _, c := range a.ToolCalls {
				args = append(args, c.Arguments)
			}
			if a.Content != tt.wantContent || strings.Join(args, ",") != tt.wantArgs || r.Incomplete != tt.wantIncomplete {
				t.Errorf("ParseOpenAIResponses(%q) = content %q, args %q, incomplete %v; want %q, %q, %v",
					tt.resp, a.Content, args, r.Incomplete, tt.wantContent, tt.wantArgs, tt.wantIncomplete)
			}
		})
	}
}

// addGoldenSeeds adds every golden case of dir (request and response) to f's corpus.
func addGoldenSeeds(f *testing.F, dir string) {
	for _, name := range goldenCases(f, dir, ".req.json") {
		base := filepath.Join(dir, name)
		f.Add(readFile(f, base+".req.json"), readFile(f, base+".resp"))
	}
}

// checkParseFuzz checks what FuzzParseOpenAIChat checks for any parser: it fails
// only with its sentinels, and a Round it returns is whole and can be encoded.
func checkParseFuzz(t *testing.T, d Dialect, req, resp []byte) {
	t.Helper()
	start := time.Now()
	r, err := Parse(d, req, resp)
	if el := time.Since(start); el > time.Second {
		t.Fatalf("Parse(%q) took %v on %d+%d bytes", d, el, len(req), len(resp))
	}
	if err != nil {
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUpstream) {
			t.Fatalf("Parse(%q) error %v wraps no sentinel", d, err)
		}
		return
	}
	if r.Answers == nil || r.Messages == nil || r.Dialect != d {
		t.Fatalf("Parse(%q) = %+v, want non-nil Messages and Answers and the dialect", d, r)
	}
	if len(r.Answers) > 1 && d != OpenAICompletions {
		t.Fatalf("Parse(%q) = %d answers, want at most 1", d, len(r.Answers))
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("encode round: %v", err)
	}
	PathKeys(append(r.Messages, r.Answers...))
}

func FuzzParseResponses(f *testing.F) {
	addGoldenSeeds(f, filepath.Join("testdata", "responses"))
	f.Fuzz(func(t *testing.T, req, resp []byte) {
		checkParseFuzz(t, OpenAIResponses, req, resp)
	})
}

// TestParseOpenAIResponsesRoundTrip checks that an answer and the same output
// items sent back in the next request's input read as the same message, which
// threading relies on.
func TestParseOpenAIResponsesRoundTrip(t *testing.T) {
	const output = `[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"think"}],"encrypted_content":"enc"},` +
		`{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Let me check.","annotations":[]}]},` +
		`{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"{\"a\": 1}","status":"completed"}]`
	first, err := ParseOpenAIResponses([]byte(`{"model":"m","input":"hi"}`), []byte(`{"id":"resp_1","status":"completed","output":`+output+`}`))
	if err != nil || len(first.Answers) != 1 {
		t.Fatalf("ParseOpenAIResponses(first) = %+v, %v; want one answer", first, err)
	}
	next, err := ParseOpenAIResponses([]byte(`{"model":"m","input":[{"role":"user","content":"hi"},`+
		output[1:len(output)-1]+`,{"type":"function_call_output","call_id":"call_1","output":"2"}]}`), nil)
	if err != nil {
		t.Fatalf("ParseOpenAIResponses(next) error = %v", err)
	}
	want := PathKeys(append(first.Messages, first.Answers...))
	got := PathKeys(next.Messages)
	if len(got) != 3 || !slices.Equal(got[:2], want) {
		t.Errorf("PathKeys(next history) = %v, want prefix %v (history %+v)", got, want, next.Messages)
	}
}
