package keys

import (
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestNew(t *testing.T) {
	shape := regexp.MustCompile(`^lt-[0-9A-Za-z]{40}$`)
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for range 200 {
		k := New()
		if !shape.MatchString(k) {
			t.Fatalf("New() = %q, want lt- and 40 base62 characters", k)
		}
		if seen[k] {
			t.Fatalf("New() gave %q twice", k)
		}
		seen[k] = true
		for _, c := range k[3:] {
			chars[c] = true
		}
	}
	// 8000 draws from 62 characters miss one with probability ~62·e^-129.
	if len(chars) != 62 {
		t.Errorf("200 keys used %d distinct characters, want all 62", len(chars))
	}
}

func TestID(t *testing.T) {
	id := ForwardKey{Key: secret}.ID()
	if !regexp.MustCompile(`^fk-[0-9a-f]{12}$`).MatchString(id) || strings.Contains(secret, id[3:]) {
		t.Errorf("ID() = %q, want fk- and 12 hex digits not taken from the key", id)
	}
	if got := (ForwardKey{Key: secret, Name: "ci"}).ID(); got != "ci" {
		t.Errorf("ID() with a name = %q, want ci", got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		list []ForwardKey
		want string // "" → valid; else the start of the error
	}{
		{"empty_list", nil, ""},
		{"good", []ForwardKey{{Key: "lt-a", Models: []string{"claude-*"}, RPM: 1}, {Key: "lt-b", Name: "b"}}, ""},
		{"empty_key", []ForwardKey{{Key: " "}}, "forward_keys[0].key"},
		{"space_in_key", []ForwardKey{{Key: "lt-a b"}}, "forward_keys[0].key"},
		{"duplicate_key", []ForwardKey{{Key: "lt-a"}, {Key: "lt-a", Name: "x"}}, "forward_keys[1].key"},
		{"duplicate_name", []ForwardKey{{Key: "lt-a", Name: "x"}, {Key: "lt-b", Name: "x"}}, "forward_keys[1].name"},
		{"name_like_key", []ForwardKey{{Key: "lt-a", Name: "lt-secret"}}, "forward_keys[0].name"},
		{"bad_glob", []ForwardKey{{Key: "lt-a", Models: []string{"gpt-[4"}}}, "forward_keys[0].models"},
		{"negative_limit", []ForwardKey{{Key: "lt-a", TPD: -1}}, "forward_keys[0].rpm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.list)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, ErrInvalid)):
				t.Errorf("Validate = %v, want an ErrInvalid starting %q", err, tt.want)
			}
			if _, gerr := NewGuard(tt.list, nil); (gerr == nil) != (err == nil) {
				t.Errorf("NewGuard error %v, Validate %v: want the same verdict", gerr, err)
			}
		})
	}
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{"2027-06-30", time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC), true},
		{"2027-06-30T12:00:00+02:00", time.Date(2027, 6, 30, 10, 0, 0, 0, time.UTC), true},
		{"30/06/2027", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseExpiry(tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseExpiry(%q) = %v, %v, want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"", "2027-06-30", "2027-06-30T00:00:00Z", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExpiry(s)
		if err == nil && s != "" && got.IsZero() && s != "0001-01-01" && !strings.HasPrefix(s, "0001-01-01T") {
			t.Errorf("ParseExpiry(%q) = zero time without an error", s)
		}
	})
}

// TestRespond checks each refusal against its golden file, in both shapes.
func TestRespond(t *testing.T) {
	tests := []struct {
		name    string
		v       Verdict
		dialect string
		retry   string
	}{
		{"openai_401", Verdict{Status: 401, Code: "missing_api_key", Reason: "this gateway requires a forward key (Authorization: Bearer lt-…)"}, "openai", ""},
		{"openai_403", Verdict{Status: 403, Code: "model_not_allowed", Reason: `forward key ci may not use model "gpt-4o"`}, "openai", ""},
		{"openai_429_tokens", Verdict{Status: 429, Code: "tokens_per_minute", RetryAfter: 1500 * time.Millisecond, Reason: "over"}, "openai", "2"},
		{"openai_429_requests_short", Verdict{Status: 429, Code: "requests_per_minute", RetryAfter: time.Millisecond, Reason: "over"}, "", "1"},
		{"anthropic_401", Verdict{Status: 401, Code: "invalid_api_key", Reason: "unknown forward key"}, DialectAnthropic, ""},
		{"anthropic_403", Verdict{Status: 403, Code: "model_not_allowed", Reason: "no"}, DialectAnthropic, ""},
		{"anthropic_429", Verdict{Status: 429, Code: "tokens_per_day", RetryAfter: time.Hour, Reason: "over"}, DialectAnthropic, "3600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Respond(w, tt.v, tt.dialect)
			if w.Code != tt.v.Status || w.Header().Get("Retry-After") != tt.retry ||
				w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Respond: %d Retry-After %q Content-Type %q, want %d %q application/json",
					w.Code, w.Header().Get("Retry-After"), w.Header().Get("Content-Type"), tt.v.Status, tt.retry)
			}
			golden(t, filepath.Join("testdata", tt.name+".json"), w.Body.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s:\ngot  %s\nwant %s", path, got, want)
	}
}

// TestSentIgnoresOtherSchemes makes sure only a Bearer token is read from
// Authorization, so a Basic credential is never looked up as a key.
func TestSentIgnoresOtherSchemes(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	r.Header.Set("Api-Key", "lt-x")
	if got := Sent(r); got != "lt-x" {
		t.Errorf("Sent = %q, want lt-x from api-key", got)
	}
}
