package dataset

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// answerDialects are the dialects ParseAnswers reads, with their golden folders.
var answerDialects = []struct {
	d   Dialect
	dir string
}{{OpenAIChat, "openai"}, {Anthropic, "anthropic"}}

// TestParseAnswersMatchesParse holds ParseAnswers to Parse on every golden exchange of
// the dialects it reads: the same answers, and an error exactly when Parse fails for
// the response (the store reads a long answer's text back through it).
func TestParseAnswersMatchesParse(t *testing.T) {
	for _, ad := range answerDialects {
		if !AnswersFromResponse(ad.d) {
			t.Fatalf("AnswersFromResponse(%q) = false", ad.d)
		}
		dir := filepath.Join("testdata", ad.dir)
		for _, name := range goldenCases(t, dir, ".req.json") {
			t.Run(ad.dir+"/"+name, func(t *testing.T) {
				base := filepath.Join(dir, name)
				checkAnswersMatch(t, ad.d, readFile(t, base+".req.json"), readFile(t, base+".resp"))
			})
		}
	}
	if _, err := ParseAnswers(Gemini, []byte(`{}`)); !errors.Is(err, ErrUnknownDialect) {
		t.Errorf("ParseAnswers(Gemini) error = %v, want ErrUnknownDialect", err)
	}
}

// FuzzParseAnswers: whatever the request, a response Parse reads gives the same
// answers through ParseAnswers.
func FuzzParseAnswers(f *testing.F) {
	for i, ad := range answerDialects {
		dir := filepath.Join("testdata", ad.dir)
		for _, name := range goldenCases(f, dir, ".req.json") {
			base := filepath.Join(dir, name)
			f.Add(uint8(i), readFile(f, base+".req.json"), readFile(f, base+".resp"))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, req, resp []byte) {
		checkAnswersMatch(t, answerDialects[int(which)%len(answerDialects)].d, req, resp)
	})
}

func checkAnswersMatch(t *testing.T, d Dialect, req, resp []byte) {
	t.Helper()
	r, err := Parse(d, req, resp)
	if err != nil {
		if errors.Is(err, ErrUpstream) || errors.Is(err, ErrMalformed) {
			return // the request or the response refused: nothing stored to read back
		}
		t.Fatalf("Parse: %v", err)
	}
	got, err := ParseAnswers(d, resp)
	if err != nil {
		t.Fatalf("ParseAnswers failed where Parse read the answers %+v: %v", r.Answers, err)
	}
	if !reflect.DeepEqual(got, r.Answers) {
		t.Fatalf("ParseAnswers = %+v\nParse answers = %+v", got, r.Answers)
	}
}
