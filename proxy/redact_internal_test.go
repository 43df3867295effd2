package proxy

import (
	"net/http"
	"testing"
)

func TestRedactQuery(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		want       string
		wantSecret string
	}{
		{"empty", "", "", ""},
		{"no_credentials", "alt=sse&x=1", "alt=sse&x=1", ""},
		{"key_keeps_order", "alt=sse&key=AIzaSy0123456789&x=%2F", "alt=sse&key=[redacted]&x=%2F", "AIzaSy0123456789"},
		{"escaped_value", "api_key=a%2Bb%3Dc", "api_key=[redacted]", "a+b=c"},
		{"upper_case_name", "API-KEY=abc", "API-KEY=[redacted]", "abc"},
		{"access_token", "access_token=ya29.x", "access_token=[redacted]", "ya29.x"},
		{"name_only", "key", "key=[redacted]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sec secrets
			if got := redactQuery(tt.raw, &sec); got != tt.want {
				t.Errorf("redactQuery(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			if tt.wantSecret != "" && (len(sec) != 1 || sec[0] != tt.wantSecret) {
				t.Errorf("redactQuery(%q) recorded secrets %q, want [%q]", tt.raw, sec, tt.wantSecret)
			}
		})
	}
}

func TestMaskCredential(t *testing.T) {
	tests := []struct {
		name   string
		header string
		value  string
		want   string
	}{
		{"bearer_long", "Authorization", "Bearer sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "Bearer [redacted …wxyz]"},
		{"bearer_short", "Authorization", "Bearer sk-short", "Bearer [redacted]"},
		{"basic", "Authorization", "Basic dXNlcjpwYXNzd29yZHBhc3N3b3JkcGFzc3dvcmQ=", "Basic [redacted]"},
		{"no_scheme", "Authorization", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "[redacted …wxyz]"},
		{"api_key_long", "X-Api-Key", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "[redacted …wxyz]"},
		{"cookie", "Cookie", "a=sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sec secrets
			if got := maskCredential(tt.header, tt.value, &sec); got != tt.want {
				t.Errorf("maskCredential(%q, %q) = %q, want %q", tt.header, tt.value, got, tt.want)
			}
		})
	}
}

func TestIsStream(t *testing.T) {
	tests := []struct {
		name          string
		contentType   string
		contentLength int64
		want          bool
	}{
		{"sse", "text/event-stream", 100, true},
		{"sse_params", "Text/Event-Stream; charset=utf-8", 100, true},
		{"ndjson", "application/x-ndjson", 100, true},
		{"json_known_length", "application/json", 100, false},
		{"json_unknown_length", "application/json", -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{"Content-Type": {tt.contentType}}, ContentLength: tt.contentLength}
			if got := isStream(resp); got != tt.want {
				t.Errorf("isStream(%q, %d) = %v, want %v", tt.contentType, tt.contentLength, got, tt.want)
			}
		})
	}
}
