package dataset

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Realtime cases are NDJSON on both sides, so their inputs are <case>.req and
// <case>.resp rather than the <case>.req.json of the HTTP dialects.
func TestParseOpenAIRealtimeGolden(t *testing.T) {
	dir := filepath.Join("testdata", "realtime")
	for _, name := range goldenCases(t, dir, ".req") {
		t.Run(name, func(t *testing.T) {
			base := filepath.Join(dir, name)
			r, err := Parse(OpenAIRealtime, readFile(t, base+".req"), readFile(t, base+".resp"))
			got := openaiGolden{Round: r}
			if err != nil {
				got.Error = err.Error()
			}
			checkGolden(t, base+".golden.json", got)
		})
	}
}

func TestDetectDialectRealtime(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		want   Dialect
	}{
		{"openai", "GET", "/v1/realtime", OpenAIRealtime},
		{"azure", "GET", "/openai/realtime", OpenAIRealtime},
		{"azure_v1", "GET", "/openai/v1/realtime", OpenAIRealtime},
		{"route_prefix", "GET", "/openai-proxy/v1/realtime", OpenAIRealtime},
		{"post", "POST", "/v1/realtime", Unknown},
		{"sessions", "POST", "/v1/realtime/sessions", Unknown},
		{"client_secrets", "POST", "/v1/realtime/client_secrets", Unknown},
		{"calls", "POST", "/v1/realtime/calls", Unknown},
		{"get_other", "GET", "/v1/models", Unknown},
		{"get_responses", "GET", "/v1/responses", Unknown},
		{"chat_unchanged", "POST", "/v1/chat/completions", OpenAIChat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectDialect(tt.method, tt.path); got != tt.want {
				t.Errorf("DetectDialect(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func TestRealtimeRecordable(t *testing.T) {
	audio := strings.Repeat("UklGRiQAAABXQVZFZm10IBAAAAABAAEA", 1<<15) // 1 MiB of base64
	tests := []struct {
		name  string
		event string
		want  bool
	}{
		{"append", `{"type":"input_audio_buffer.append","audio":"` + audio + `"}`, false},
		{"append_event_id_first", `{"event_id":"evt_1","type":"input_audio_buffer.append","audio":"AAAA"}`, false},
		{"beta_audio_delta", `{"type":"response.audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"` + audio + `"}`, false},
		{"ga_audio_delta", `{"type":"response.output_audio.delta","event_id":"event_1","delta":"AAAA"}`, false},
		{"type_after_audio", `{"delta":"` + audio + `","type":"response.output_audio.delta"}`, false},
		{"spaces_and_newlines", " \r\n{ \"type\" :\t\"input_audio_buffer.append\" , \"audio\" : \"AAAA\" }\n", false},
		{"escaped_key", `{"typ\u0065":"input_audio_buffer.append","audio":"AAAA"}`, false},
		{"escaped_value", `{"type":"input_audio_buffer.appen\u0064","audio":"AAAA"}`, false},
		{"nested_type_first", `{"item":{"type":"input_audio_buffer.append"},"type":"conversation.item.create"}`, true},
		{"nested_audio_type_then_audio", `{"session":{"type":"realtime","x":[{"type":"response.audio.delta"}]},"type":"response.audio.delta","delta":"AAAA"}`, false},
		{"type_in_string_value", `{"note":"\"type\":\"response.audio.delta\"","type":"response.text.delta","delta":"hi"}`, true},
		{"escaped_quote_before", `{"a":"x\\\"y\\","type":"response.audio.delta"}`, false},
		{"transcript_delta", `{"type":"response.audio_transcript.delta","delta":"Hello"}`, true},
		{"audio_done", `{"type":"response.audio.done","item_id":"item_1"}`, true},
		{"commit", `{"type":"input_audio_buffer.commit"}`, true},
		{"session_update", `{"type":"session.update","session":{"instructions":"Be brief."}}`, true},
		{"no_type", `{"audio":"AAAA"}`, true},
		{"type_not_string", `{"type":7,"audio":"AAAA"}`, true},
		{"cut_after_type", `{"type":"input_audio_buffer.append","audio":"AAA`, true},
		{"garbage_after_object", `{"type":"response.audio.delta","delta":"AA"} x`, true},
		{"bad_literal_after_type", `{"type":"response.audio.delta","x":tru}`, true},
		{"bad_escape_after_type", `{"type":"response.audio.delta","delta":"\q"}`, true},
		{"control_char_in_string", "{\"type\":\"response.audio.delta\",\"delta\":\"a\tb\"}", true},
		{"number_after_type", `{"type":"response.audio.delta","content_index":-1.5e3}`, false},
		{"leading_zero", `{"type":"response.audio.delta","content_index":01}`, true},
		{"array", `[{"type":"input_audio_buffer.append"}]`, true},
		{"not_json", `input_audio_buffer.append`, true},
		{"empty", ``, true},
		{"binary", "\x00\x01\x02", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RealtimeRecordable([]byte(tt.event)); got != tt.want {
				t.Errorf("RealtimeRecordable(%.80q) = %v, want %v", tt.event, got, tt.want)
			}
		})
	}
}

func BenchmarkRealtimeRecordable(b *testing.B) {
	// About one second of 24 kHz PCM16 audio, base64-encoded, in one delta.
	event := []byte(`{"type":"response.audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"` +
		strings.Repeat("AbCd+/09", 64<<10/8) + `"}`)
	b.SetBytes(int64(len(event)))
	for b.Loop() {
		if RealtimeRecordable(event) {
			b.Fatal("audio delta recordable")
		}
	}
}

// realtimeSummary writes messages one a line as "role: content", with tool calls
// as " +name(args)" and a tool message's call id as "tool(id)".
func realtimeSummary(msgs []Message) string {
	var b strings.Builder
	for _, m := range msgs {
		role := string(m.Role)
		if m.ToolCallID != "" {
			role += "(" + m.ToolCallID + ")"
		}
		fmt.Fprintf(&b, "%s: %s", role, m.Content)
		for _, c := range m.ToolCalls {
			fmt.Fprintf(&b, " +%s(%s)", c.Name, c.Arguments)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// ndjson joins events into an NDJSON body.
func ndjson(events ...string) string { return strings.Join(events, "\n") + "\n" }

func TestParseOpenAIRealtimeLenient(t *testing.T) {
	const (
		created   = `{"type":"session.created","session":{"model":"gpt-4o-realtime-preview","instructions":"Default.","tools":[]}}`
		userHi    = `{"type":"conversation.item.created","previous_item_id":null,"item":{"id":"u1","type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}`
		respStart = `{"type":"response.created","response":{"id":"r1","status":"in_progress","conversation_id":"conv_1"}}`
		respDone  = `{"type":"response.done","response":{"id":"r1","status":"completed","conversation_id":"conv_1"}}`
	)
	tests := []struct {
		name           string
		client, server string
		wantMessages   string
		wantAnswers    string
		wantFinish     string
		wantTools      string
		wantIncomplete bool
	}{
		{name: "client_history_only",
			client: ndjson(`{"type":"session.update","session":{"instructions":"Be kind."}}`,
				`{"type":"conversation.item.create","item":{"id":"a","type":"message","role":"user","content":[{"type":"input_text","text":"second"}]}}`,
				`{"type":"conversation.item.create","item":{"id":"b","type":"message","role":"assistant","content":[{"type":"text","text":"typo"}]}}`,
				`{"type":"conversation.item.delete","item_id":"b"}`,
				`{"type":"conversation.item.create","previous_item_id":"root","item":{"id":"c","type":"message","role":"user","content":[{"type":"input_text","text":"first"}]}}`,
				`{"type":"conversation.item.create","item":{"type":"message","role":"assistant","content":[{"type":"text","text":"last"}]}}`),
			wantMessages: "system: Be kind.\nuser: first\nuser: second\nassistant: last\n"},
		{name: "unknown_previous_appends",
			server: ndjson(created, userHi,
				`{"type":"conversation.item.created","previous_item_id":"gone","item":{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"hello"}]}}`),
			wantMessages: "user: hi\n", wantAnswers: "assistant: hello\n"},
		{name: "inserted_after_previous",
			server: ndjson(userHi,
				`{"type":"conversation.item.created","previous_item_id":"u1","item":{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"third"}]}}`,
				`{"type":"conversation.item.created","previous_item_id":"u1","item":{"id":"u2","type":"message","role":"user","content":[{"type":"input_text","text":"second"}]}}`),
			wantMessages: "user: hi\nuser: second\n", wantAnswers: "assistant: third\n"},
		{name: "untranscribed_audio_keeps_turns_apart",
			server: ndjson(userHi,
				`{"type":"conversation.item.created","item":{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"one"}]}}`,
				`{"type":"conversation.item.created","item":{"id":"u2","type":"message","role":"user","content":[{"type":"input_audio","transcript":null}]}}`,
				`{"type":"conversation.item.input_audio_transcription.failed","item_id":"u2","content_index":0,"error":{"message":"no speech"}}`,
				`{"type":"conversation.item.created","item":{"id":"a2","type":"message","role":"assistant","content":[{"type":"text","text":"two"}]}}`),
			wantMessages: "user: hi\nassistant: one\n", wantAnswers: "assistant: two\n"},
		{name: "done_text_wins_over_deltas",
			server: ndjson(userHi, respStart,
				`{"type":"response.output_item.added","response_id":"r1","item":{"id":"a1","type":"message","status":"in_progress","role":"assistant","content":[]}}`,
				`{"type":"response.text.delta","response_id":"r1","item_id":"a1","content_index":0,"delta":"ab"}`,
				`{"type":"response.text.done","response_id":"r1","item_id":"a1","content_index":0,"text":"abc"}`, respDone),
			wantMessages: "user: hi\n", wantAnswers: "assistant: abc\n", wantFinish: "stop"},
		{name: "output_only_in_response_done",
			server: ndjson(userHi, respStart,
				`{"type":"response.done","response":{"id":"r1","status":"completed","output":[{"id":"a1","type":"message","role":"assistant","content":[{"type":"audio","transcript":"from done"}]}],"usage":{"input_tokens":10,"output_tokens":3,"total_tokens":13}}}`),
			wantMessages: "user: hi\n", wantAnswers: "assistant: from done\n", wantFinish: "stop"},
		{name: "cut_function_call",
			server: ndjson(userHi, respStart,
				`{"type":"response.output_item.added","response_id":"r1","item":{"id":"f1","type":"function_call","status":"in_progress","name":"lookup","call_id":"call_1","arguments":""}}`,
				`{"type":"response.function_call_arguments.delta","response_id":"r1","item_id":"f1","call_id":"call_1","delta":"{\"q\":"}`),
			wantMessages: "user: hi\n"}, // the cut call is no answer
		{name: "cut_after_an_answer", // hung up mid-answer: the conversation ends at the last whole one
			server: ndjson(userHi, respStart,
				`{"type":"response.output_item.done","response_id":"r1","item":{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"hello"}]}}`, respDone,
				`{"type":"conversation.item.created","previous_item_id":"a1","item":{"id":"u2","type":"message","role":"user","content":[{"type":"input_text","text":"tell me more"}]}}`,
				`{"type":"response.created","response":{"id":"r2","status":"in_progress","conversation_id":"conv_1"}}`,
				`{"type":"response.output_item.added","response_id":"r2","item":{"id":"a2","type":"message","status":"in_progress","role":"assistant","content":[]}}`,
				`{"type":"response.text.delta","response_id":"r2","item_id":"a2","content_index":0,"delta":"Well, there"}`),
			wantMessages: "user: hi\n", wantAnswers: "assistant: hello\n", wantFinish: "stop"},
		{name: "last_word_unanswered", // hung up after speaking: that turn has no answer to learn from
			server: ndjson(userHi, respStart,
				`{"type":"response.output_item.done","response_id":"r1","item":{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"hello"}]}}`, respDone,
				`{"type":"conversation.item.created","previous_item_id":"a1","item":{"id":"u2","type":"message","role":"user","content":[{"type":"input_text","text":"bye"}]}}`),
			wantMessages: "user: hi\n", wantAnswers: "assistant: hello\n", wantFinish: "stop"},
		{name: "args_from_events_only",
			server: ndjson(userHi, respStart,
				`{"type":"response.function_call_arguments.delta","response_id":"r1","item_id":"f1","call_id":"call_1","delta":"{}"}`,
				`{"type":"response.function_call_arguments.done","response_id":"r1","item_id":"f1","call_id":"call_1","name":"now","arguments":"{\"tz\":\"UTC\"}"}`, respDone),
			wantMessages: "user: hi\n", wantAnswers: "assistant:  +now({\"tz\":\"UTC\"})\n", wantFinish: "tool_calls"},
		{name: "deleted_item_stays_deleted",
			server: ndjson(userHi,
				`{"type":"conversation.item.created","item":{"id":"u2","type":"message","role":"user","content":[{"type":"input_audio","transcript":null}]}}`,
				`{"type":"conversation.item.deleted","item_id":"u2"}`,
				`{"type":"conversation.item.input_audio_transcription.completed","item_id":"u2","content_index":0,"transcript":"ghost"}`,
				`{"type":"conversation.item.retrieved","item":{"id":"u2","type":"message","role":"user","content":[{"type":"input_text","text":"ghost"}]}}`),
			wantMessages: "user: hi\n"},
		{name: "items_without_ids",
			server: ndjson(`{"type":"conversation.item.created","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"a"}]}}`,
				`{"type":"conversation.item.created","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"b"}]}}`,
				`{"type":"conversation.item.deleted","item_id":""}`),
			wantMessages: "user: a\nuser: b\n"},
		{name: "max_output_tokens",
			server: ndjson(userHi, respStart,
				`{"type":"response.done","response":{"id":"r1","status":"incomplete","status_details":{"type":"incomplete","reason":"max_output_tokens"},"output":[{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"The answer is"}]}]}}`),
			wantMessages: "user: hi\n", wantAnswers: "assistant: The answer is\n", wantFinish: "length"},
		{name: "cancelled_by_turn",
			server: ndjson(userHi, respStart,
				`{"type":"response.done","response":{"id":"r1","status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"},"output":[{"id":"a1","type":"message","role":"assistant","content":[{"type":"audio","transcript":"Well, I"}]}]}}`),
			wantMessages: "user: hi\n", wantAnswers: "assistant: Well, I\n", wantFinish: "cancelled"},
		{name: "recoverable_error_ignored",
			server:       ndjson(userHi, `{"type":"error","error":{"type":"invalid_request_error","code":"unknown_parameter","message":"Unknown parameter: 'session.foo'."}}`),
			wantMessages: "user: hi\n"},
		{name: "bad_lines_skipped",
			server: ndjson(userHi, `{"type":"conversation.item.created","item":`, `not json`, `{"type":"conversation.item.created","item":{"id":"u2","type":"message","role":"user","content":"oops"}}`,
				`{"type":"conversation.item.created","item":{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"ok"}]}}`),
			wantMessages: "user: hi\n", wantAnswers: "assistant: ok\n"},
		{name: "echoed_instructions_without_client_update",
			server:       ndjson(created, `{"type":"session.updated","session":{"instructions":"Set by the client.","tools":[{"type":"function","name":"f"}]}}`, userHi),
			wantMessages: "system: Set by the client.\nuser: hi\n", wantTools: `[{"type":"function","name":"f"}]`},
		{name: "default_instructions_not_system",
			server:       ndjson(created, `{"type":"session.updated","session":{"instructions":"Default.","tools":[]}}`, userHi),
			wantMessages: "user: hi\n"},
		{name: "client_tools_win_and_empty_instructions",
			client:       ndjson(`{"type":"session.update","session":{"instructions":"","tools":[]}}`),
			server:       ndjson(created, `{"type":"session.updated","session":{"instructions":"","tools":[{"type":"function","name":"stale"}]}}`, userHi),
			wantMessages: "user: hi\n"},
		{name: "out_of_band_deltas_ignored",
			server: ndjson(userHi,
				`{"type":"response.created","response":{"id":"r9","conversation_id":null}}`,
				`{"type":"response.output_text.delta","response_id":"r9","item_id":"x1","content_index":0,"delta":"repair"}`,
				`{"type":"response.done","response":{"id":"r9","status":"completed","conversation_id":null,"output":[{"id":"x1","type":"message","role":"assistant","content":[{"type":"output_text","text":"repair"}]}]}}`),
			wantMessages: "user: hi\n"},
		{name: "bom_and_crlf",
			server:       "\ufeff" + strings.ReplaceAll(ndjson(userHi, `{"type":"conversation.item.created","item":{"id":"a1","type":"message","role":"assistant","content":[{"type":"text","text":"yo"}]}}`), "\n", "\r\n"),
			wantMessages: "user: hi\n", wantAnswers: "assistant: yo\n"},
		{name: "empty", wantMessages: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseOpenAIRealtime([]byte(tt.client), []byte(tt.server))
			if err != nil {
				t.Fatalf("ParseOpenAIRealtime() error = %v", err)
			}
			if got := realtimeSummary(r.Messages); got != tt.wantMessages {
				t.Errorf("ParseOpenAIRealtime() messages =\n%s\nwant\n%s", got, tt.wantMessages)
			}
			if got := realtimeSummary(r.Answers); got != tt.wantAnswers {
				t.Errorf("ParseOpenAIRealtime() answers =\n%s\nwant\n%s", got, tt.wantAnswers)
			}
			if r.FinishReason != tt.wantFinish || r.Tools != tt.wantTools || r.Incomplete != tt.wantIncomplete {
				t.Errorf("ParseOpenAIRealtime() = finish %q, tools %q, incomplete %v; want %q, %q, %v",
					r.FinishReason, r.Tools, r.Incomplete, tt.wantFinish, tt.wantTools, tt.wantIncomplete)
			}
		})
	}
}

func TestParseOpenAIRealtimeErrors(t *testing.T) {
	tests := []struct {
		name           string
		client, server string
		want           error
	}{
		{"server_not_events", "", "<html><body>502 Bad Gateway</body></html>", ErrMalformed},
		{"client_not_events", "\x00\x01garbage", "", ErrMalformed},
		{"only_cut_line", "", `{"type":"session.created","session":{"mod`, ErrMalformed},
		{"refused_upgrade", "", "{\n  \"error\": {\n    \"message\": \"Incorrect API key provided.\",\n    \"type\": \"invalid_request_error\",\n    \"code\": \"invalid_api_key\"\n  }\n}\n", ErrUpstream},
		{"error_event_only", `{"type":"session.update","session":{"instructions":"x"}}`, ndjson(`{"type":"session.created","session":{}}`, `{"type":"error","error":{"type":"server_error","message":"boom"}}`), ErrUpstream},
		{"error_fields_at_top", "", `{"type":"error","code":"x","message":"flat"}`, ErrUpstream},
		{"failed_response_only", "", ndjson(`{"type":"response.created","response":{"id":"r1"}}`,
			`{"type":"response.done","response":{"id":"r1","status":"failed","status_details":{"type":"failed","error":{"type":"server_error","code":"overloaded","message":"try later"}}}}`), ErrUpstream},
		{"error_with_client_history", ndjson(`{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}`),
			ndjson(`{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}`), ErrUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseOpenAIRealtime([]byte(tt.client), []byte(tt.server))
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseOpenAIRealtime() = %+v, %v; want error wrapping %v", r, err, tt.want)
			}
			if tt.want == ErrUpstream {
				// As Parse promises: the history survives a parse without the response.
				if _, err := ParseOpenAIRealtime([]byte(tt.client), nil); err != nil {
					t.Errorf("ParseOpenAIRealtime(client, nil) error = %v", err)
				}
			}
		})
	}
}
