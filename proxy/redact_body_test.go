package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestIsCredentialName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"authorization", "Authorization", true},
		{"x_api_key", "X-Api-Key", true},
		{"custom_auth_header", "X-Custom-Auth", true},
		{"api_token_header", "X-Api-Token", true},
		{"cookie", "Set-Cookie", true},
		{"snake_api_key", "api_key", true},
		{"camel_api_key", "apiKey", true},
		{"acronym_api_key", "APIKey", true},
		{"run_together", "apikey", true},
		{"upper_run_together", "APIKEY", true},
		{"client_secret", "client_secret", true},
		{"password", "password", true},
		{"access_token", "access_token", true},
		{"bare_key", "key", true},
		{"numbered_key", "api_key2", true},
		{"max_tokens", "max_tokens", false},
		{"prompt_tokens", "prompt_tokens", false},
		{"total_tokens", "total_tokens", false},
		{"tokenizer", "tokenizer", false},
		{"top_k", "top_k", false},
		{"monkey", "monkey", false},
		{"ratelimit_tokens_header", "X-Ratelimit-Remaining-Tokens", false},
		{"www_authenticate", "Www-Authenticate", false},
		{"token_count", "candidatesTokenCount", false},
		{"token_type", "token_type", false},
		{"key_id", "key_id", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isCredentialName(tt.in); got != tt.want {
				t.Errorf("isCredentialName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactBody(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		in          string
		want        string
	}{
		{"no_credentials", "application/json",
			`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"my key is in a drawer"}]}`,
			`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"my key is in a drawer"}]}`},
		{"api_key_top_level", "application/json",
			`{"api_key": "sk-1234567890", "model":"m"}`,
			`{"api_key": "[redacted]", "model":"m"}`},
		{"camel_case", "", `{"apiKey":"sk-1234567890"}`, `{"apiKey":"[redacted]"}`},
		{"nested_headers", "application/json",
			`{"x":{"headers":{"Authorization":"Bearer sk-1234567890","Accept":"*/*"}}}`,
			`{"x":{"headers":{"Authorization":"[redacted]","Accept":"*/*"}}}`},
		{"in_array", "application/json",
			`[{"token":"t-1234567890"},{"secret" : "s-1234567890"},{"password":"hunter22hunter"}]`,
			`[{"token":"[redacted]"},{"secret" : "[redacted]"},{"password":"[redacted]"}]`},
		{"numbers_kept", "application/json",
			`{"usage":{"total_tokens":12,"candidatesTokenCount":3},"key":7,"token":null}`,
			`{"usage":{"total_tokens":12,"candidatesTokenCount":3},"key":7,"token":null}`},
		{"escaped_name", "application/json", `{"api\u005fkey":"sk-1234567890"}`, `{"api\u005fkey":"[redacted]"}`},
		{"escaped_value", "application/json", `{"key":"a\"b\\"}`, `{"key":"[redacted]"}`},
		{"value_that_looks_like_a_name", "application/json",
			`{"content":"api_key","x":"api_key: sk"}`, `{"content":"api_key","x":"api_key: sk"}`},
		{"empty_value_kept", "application/json", `{"api_key":""}`, `{"api_key":""}`},
		{"ndjson", "", "{\"type\":\"session.update\",\"token\":\"ek_1234567890\"}\n{\"type\":\"x\"}\n",
			"{\"type\":\"session.update\",\"token\":\"[redacted]\"}\n{\"type\":\"x\"}\n"},
		{"truncated_inside_value", "application/json", `{"api_key":"sk-12345`, `{"api_key":"[redacted]"`},
		{"form", "application/x-www-form-urlencoded", "model=m&api_key=sk-1234567890&max_tokens=3",
			"model=m&api_key=[redacted]&max_tokens=3"},
		{"plain_text_kept", "text/plain", `api_key=sk-1234567890`, `api_key=sk-1234567890`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			var sec secrets
			got := redactBody(in, tt.contentType, &sec)
			if string(got) != tt.want {
				t.Errorf("redactBody(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if string(in) != tt.in {
				t.Errorf("redactBody changed its input to %q", in)
			}
			if json.Valid(in) && !json.Valid(got) {
				t.Errorf("redactBody(%q) = %q, not valid JSON", tt.in, got)
			}
		})
	}
}

// FuzzRedactJSON plants a secret under a credential name in a fuzzed JSON document
// and checks that the output is valid JSON when the input was, never holds the
// secret, and is the input itself when there was nothing to redact.
func FuzzRedactJSON(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`), "api_key")
	f.Add([]byte(`[1,"x",{"a":{"b":[]}}]`), "Authorization")
	f.Add([]byte(`{"a\"":"\\","max_tokens":3}`), "apiKey")
	f.Add([]byte("{\"t\":\"a\"}\n{\"u\":true}"), "client_secret")
	f.Fuzz(func(t *testing.T, doc []byte, name string) {
		const secret = "SeCrEt-7f3a9c2e81b4"
		if !isCredentialName(name) {
			return
		}
		nameJSON, _ := json.Marshal(name)
		// Wrap the document so the secret is at depth, after whatever doc holds.
		in := fmt.Appendf(nil, `{"doc":%s,"inner":{%s:%q}}`, doc, nameJSON, secret)
		if !json.Valid(doc) {
			in = doc // garbage in: only the no-panic and no-change-when-clean checks apply
		}
		orig := bytes.Clone(in)
		var sec secrets
		out := redactJSON(in, &sec)
		if !bytes.Equal(in, orig) {
			t.Fatalf("redactJSON changed its input")
		}
		if !json.Valid(in) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("redactJSON(%s) = %s, not valid JSON", in, out)
		}
		if bytes.Contains(out, []byte(secret)) {
			t.Fatalf("redactJSON(%s) = %s, still holds the secret", in, out)
		}
		if len(sec) == 0 && !bytes.Equal(out, in) {
			t.Fatalf("redactJSON(%s) = %s, changed with nothing recorded", in, out)
		}
	})
}

// BenchmarkRedactBody measures the capture path's cost on agent-sized (12 KB) and
// large (2 MB) chat bodies, with no credential field (the common case) and with one,
// beside json.Valid on the same body as a baseline (one pass of the stdlib scanner,
// less than any parse the sink does).
func BenchmarkRedactBody(b *testing.B) {
	for _, size := range []int{12 << 10, 2 << 20} {
		body := chatBody(size, false)
		b.Run(fmt.Sprintf("size_%dKiB_baseline_json_valid", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				_ = json.Valid(body)
			}
		})
		for _, planted := range []bool{false, true} {
			body := chatBody(size, planted)
			b.Run(fmt.Sprintf("size_%dKiB_planted_%v", size>>10, planted), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					var sec secrets
					_ = redactBody(body, "application/json", &sec)
				}
			})
		}
	}
}

// chatBody returns an OpenAI chat request of about size bytes whose messages talk
// about keys and tokens (so the words are there, but not as member names), with an
// "api_key" member at the end when planted.
func chatBody(size int, planted bool) []byte {
	var b strings.Builder
	b.WriteString(`{"model":"gpt-4o","max_tokens":1024,"stream":true,"messages":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		fmt.Fprintf(&b, `{"role":%q,"content":"Turn %d: count the tokens, then rotate the key and check the \"auth\" header of the request; a password is not a secret if everyone has it."}`, role, i)
	}
	b.WriteString(`]`)
	if planted {
		b.WriteString(`,"metadata":{"api_key":"sk-proj-0123456789abcdef"}`)
	}
	b.WriteString(`}`)
	return []byte(b.String())
}
