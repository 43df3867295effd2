package wsmsg_test

import (
	"testing"

	"github.com/llmtap/llmtap/internal/wsmsg"
)

func TestParseExtensions(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   wsmsg.Deflate
	}{
		{"none", nil, wsmsg.Deflate{}},
		{"empty", []string{""}, wsmsg.Deflate{}},
		{"plain", []string{"permessage-deflate"}, wsmsg.Deflate{On: true}},
		{"gorilla", []string{"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
			wsmsg.Deflate{On: true, ClientNoContextTakeover: true, ServerNoContextTakeover: true}},
		{"browser_answer", []string{"permessage-deflate; client_max_window_bits=15"}, wsmsg.Deflate{On: true}},
		{"quoted_and_spaced", []string{` Permessage-Deflate ;server_max_window_bits="10" ; SERVER_NO_CONTEXT_TAKEOVER`},
			wsmsg.Deflate{On: true, ServerNoContextTakeover: true}},
		{"after_another", []string{"x-webkit-deflate-frame; no_context_takeover, permessage-deflate; client_no_context_takeover"},
			wsmsg.Deflate{On: true, ClientNoContextTakeover: true}},
		{"second_value", []string{"x-other", "permessage-deflate"}, wsmsg.Deflate{On: true}},
		{"first_counts", []string{"permessage-deflate", "permessage-deflate; client_no_context_takeover"},
			wsmsg.Deflate{On: true}},
		{"other_only", []string{"x-webkit-deflate-frame"}, wsmsg.Deflate{}},
		{"name_as_parameter", []string{"x-other; permessage-deflate"}, wsmsg.Deflate{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wsmsg.ParseExtensions(tt.values); got != tt.want {
				t.Errorf("ParseExtensions(%q) = %+v, want %+v", tt.values, got, tt.want)
			}
		})
	}
}
