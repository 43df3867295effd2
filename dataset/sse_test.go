package dataset

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSSE(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		want         []SSEEvent
		wantComplete bool
	}{
		{"empty", "", nil, true},
		{"one_event", "data: a\n\n", []SSEEvent{{Data: "a"}}, true},
		{"crlf", "data: a\r\n\r\ndata: b\r\n\r\n", []SSEEvent{{Data: "a"}, {Data: "b"}}, true},
		{"cr_only", "data: a\r\rdata: b\r\r", []SSEEvent{{Data: "a"}, {Data: "b"}}, true},
		{"multi_line_data", "data: a\ndata: b\ndata:\n\n", []SSEEvent{{Data: "a\nb\n"}}, true},
		{"no_space_after_colon", "data:a\n\n", []SSEEvent{{Data: "a"}}, true},
		{"only_one_space_removed", "data:  a\n\n", []SSEEvent{{Data: " a"}}, true},
		{"empty_data", "data:\n\n", []SSEEvent{{Data: ""}}, true},
		{"comments_ignored", ": ping\n\n:x\ndata: a\n\n", []SSEEvent{{Data: "a"}}, true},
		{"event_and_id", "event: message_start\nid: 7\ndata: {}\n\n", []SSEEvent{{Event: "message_start", ID: "7", Data: "{}"}}, true},
		{"id_carries_over", "id: 1\ndata: a\n\ndata: b\n\n", []SSEEvent{{ID: "1", Data: "a"}, {ID: "1", Data: "b"}}, true},
		{"id_with_nul_ignored", "id: 1\ndata: a\n\nid: x\x00\ndata: b\n\n", []SSEEvent{{ID: "1", Data: "a"}, {ID: "1", Data: "b"}}, true},
		{"event_resets", "event: e\ndata: a\n\ndata: b\n\n", []SSEEvent{{Event: "e", Data: "a"}, {Data: "b"}}, true},
		{"no_data_not_delivered", "event: e\n\ndata: b\n\n", []SSEEvent{{Data: "b"}}, true},
		{"field_without_colon", "data\n\n", []SSEEvent{{Data: ""}}, true},
		{"unknown_field_ignored", "retry: 10\nfoo: bar\ndata: a\n\n", []SSEEvent{{Data: "a"}}, true},
		{"bom_stripped", "\xef\xbb\xbfdata: a\n\n", []SSEEvent{{Data: "a"}}, true},
		{"final_event_without_blank_line", "data: a\n\ndata: b\n", []SSEEvent{{Data: "a"}, {Data: "b"}}, false},
		{"final_line_without_newline", "data: a\n\ndata: [DONE]", []SSEEvent{{Data: "a"}, {Data: "[DONE]"}}, false},
		{"final_comment_without_newline", "data: a\n\n: bye", []SSEEvent{{Data: "a"}}, false},
		{"colon_in_value", "data: {\"a\":1}\n\n", []SSEEvent{{Data: `{"a":1}`}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, complete := ParseSSE([]byte(tt.body))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseSSE(%q) events mismatch (-want +got):\n%s", tt.body, diff)
			}
			if complete != tt.wantComplete {
				t.Errorf("ParseSSE(%q) complete = %v, want %v", tt.body, complete, tt.wantComplete)
			}
			if diff := cmp.Diff(sseEventsWithoutID(tt.want), eachSSEEvents([]byte(tt.body))); diff != "" {
				t.Errorf("eachSSE(%q) events mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

// TestSSEDecoderSplits feeds every stream body of the golden files split at every
// byte boundary, and in single bytes, and expects what ParseSSE gives for the whole.
func TestSSEDecoderSplits(t *testing.T) {
	bodies := map[string][]byte{
		"crlf_mix": []byte("data: a\r\ndata: b\r\rdata: c\n\r\n: x\r\nevent: e\rdata: d\r\n\r\n"),
	}
	dir := filepath.Join("testdata", "openai")
	for _, name := range goldenCases(t, dir, ".resp") {
		bodies[name] = readFile(t, filepath.Join(dir, name+".resp"))
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			want, wantComplete := ParseSSE(body)
			for i := 0; i <= len(body); i++ {
				got, complete := decodeChunks(body[:i], body[i:])
				if diff := cmp.Diff(want, got); diff != "" || complete != wantComplete {
					t.Fatalf("split at %d: complete %v, want %v; events (-want +got):\n%s", i, complete, wantComplete, diff)
				}
			}
			var chunks [][]byte
			for i := range body {
				chunks = append(chunks, body[i:i+1])
			}
			got, complete := decodeChunks(chunks...)
			if diff := cmp.Diff(want, got); diff != "" || complete != wantComplete {
				t.Fatalf("byte by byte: complete %v, want %v; events (-want +got):\n%s", complete, wantComplete, diff)
			}
		})
	}
}

// decodeChunks feeds chunks to an SSEDecoder, taking events between writes.
func decodeChunks(chunks ...[]byte) (events []SSEEvent, complete bool) {
	var d SSEDecoder
	drain := func() {
		for ev, ok := d.Next(); ok; ev, ok = d.Next() {
			events = append(events, ev)
		}
	}
	for _, c := range chunks {
		d.Write(c)
		drain()
	}
	complete = d.End()
	drain()
	return events, complete
}

// TestEachSSEStops checks that eachSSE hands out nothing after fn returns false,
// as the parsers rely on at [DONE] and message_stop.
func TestEachSSEStops(t *testing.T) {
	var got []string
	n := eachSSE([]byte("data: a\n\ndata: b\n\ndata: c\n\n"), func(_, data []byte) bool {
		got = append(got, string(data))
		return string(data) != "b"
	})
	if want := []string{"a", "b"}; n != 2 || !slices.Equal(got, want) {
		t.Errorf("eachSSE = %d events %q, want 2 events %q", n, got, want)
	}
}
