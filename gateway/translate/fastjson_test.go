package translate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzFastJSON holds the hand-written fast paths to encoding/json: a delta event
// the fast reader accepts must read the same with encoding/json, and a string
// must be written byte for byte as json.Marshal writes it.
func FuzzFastJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi <b> & \"you\"\n"}}`,
		`{"type": "content_block_delta", "index": 12, "delta": {"type": "thinking_delta", "thinking": "\u00e9\ud83d\ude00"}}`,
		`{"delta":{"partial_json":"{\"a\":","type":"input_json_delta"},"index":1,"type":"content_block_delta"}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}`,
		"\u2028\x01\xff<>&\t\b\f",
		`a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud83d\u0041\udc00x\u12`,
		`{"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":""}}`,
		"{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"caf\u00e9 \\u00e9 \u2028 \x7f\"}}",
		"{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"word 1 \u65e5\"}}",
		"{\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"text_delta\",\"text\":\"\xff\"}}",
		`{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_read_input_tokens":3,"output_tokens":1}}}`,
		`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":21}}`,
		`{"type":"message_delta","delta":{"stop_reason":"a","stop_reason":null},"usage":{"output_tokens":1},"usage":{"input_tokens":2}}`,
		`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
		`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}`,
		`{"type":"content_block_stop","index":3}`, `{"type": "message_stop"}`, `{"index":1,"type":"ping","index":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d fastDelta
		var index int
		if fastAnthropicDelta(data, &index, &d) {
			var ev anEvent
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatalf("fast path read %q, encoding/json refuses it: %v", data, err)
			}
			if ev.Type != "content_block_delta" || ev.Index != index || ev.Delta == nil ||
				ev.Delta.Type != d.Type || ev.Delta.Text != string(d.Text) || ev.Delta.PartialJSON != string(d.PartialJSON) ||
				ev.Delta.Thinking != string(d.Thinking) || ev.Delta.Signature != string(d.Signature) {
				t.Fatalf("fast path read %q as %d %+v, encoding/json as %+v %+v", data, index, d, ev, ev.Delta)
			}
		}
		// An exact text delta is one encoding/json reads, and its text is
		// what json.Marshal writes of that text, between the quotes.
		if index, text, ok := exactTextDelta(data); ok {
			var ev anEvent
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatalf("exactTextDelta read %q, encoding/json refuses it: %v", data, err)
			}
			want, _ := json.Marshal(ev.Delta.Text)
			if ev.Type != "content_block_delta" || ev.Index != index || ev.Delta.Type != "text_delta" ||
				!bytes.Equal(want, append(append([]byte{'"'}, text...), '"')) {
				t.Fatalf("exactTextDelta read %q as %d %q; encoding/json as %+v %+v, writing %s", data, index, text, ev, ev.Delta, want)
			}
		}
		// A stream's reused parts, left dirty by another event, read the same.
		dirty := &anEventParts{msg: anResponse{ID: "old", Model: "old", StopReason: ptr("old")},
			delta: anDelta{Type: "old", Text: "old", StopReason: ptr("old")}, usage: anUsage{InputTokens: 9, OutputTokens: 9},
			block: anBlock{Type: "old", Text: "old", ID: "old"}}
		fresh := func(data []byte, ev *anEvent) bool { return fastMessageEvent(data, ev, nil) }
		reused := func(data []byte, ev *anEvent) bool { return fastMessageEvent(data, ev, dirty) }
		for _, fast := range []func([]byte, *anEvent) bool{fastBareEvent, fresh, reused} {
			checkFastEvent(t, data, fast)
		}
		s := string(data)
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
		if got := appendJSONString(nil, data); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q as bytes) = %s, want %s", s, got, want)
		}
		// The string's bytes read back as encoding/json reads the string.
		var dec string
		if json.Unmarshal(want, &dec) == nil {
			sc := jsonScan{b: want}
			if got, ok := sc.str(); !ok || string(got) != dec {
				t.Fatalf("str(%s) = %q, %v; encoding/json reads %q", want, got, ok, dec)
			}
		}
		var raw string
		if json.Unmarshal(append(append([]byte{'"'}, data...), '"'), &raw) == nil {
			sc := jsonScan{b: append(append([]byte{'"'}, data...), '"')}
			if got, ok := sc.str(); !ok || string(got) != raw {
				t.Fatalf("str(%q) = %q, %v; encoding/json reads %q", data, got, ok, raw)
			}
		}
	})
}

// checkFastEvent holds a fast reader of whole Anthropic events to encoding/json.
func checkFastEvent(t *testing.T, data []byte, fast func([]byte, *anEvent) bool) {
	var got anEvent
	if !fast(data, &got) {
		return
	}
	var ev anEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatalf("fast path read %q, encoding/json refuses it: %v", data, err)
	}
	if !reflect.DeepEqual(ev, got) {
		t.Fatalf("fast path read %q as %+v, encoding/json as %+v", data, got, ev)
	}
}

// FuzzFastOpenAIChunk holds fastOpenAIChunk to encoding/json: a chunk it accepts
// must read the same way, with no finish_reason, usage or tool calls left out.
func FuzzFastOpenAIChunk(f *testing.F) {
	for _, s := range []string{
		`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741569952,"model":"qwen","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"content":"Hi <b>\u00e9"},"finish_reason":null}]}`,
		`{"id":"x","object":"chat.completion.chunk","created":1738000000,"model":"deepseek-reasoner","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":null,"reasoning_content":"Compare"},"logprobs":null,"finish_reason":null}],"usage":null}`,
		`{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}],"obfuscation":"ab12"}`,
		`{"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
		`{"id":"x","created":1e3,"choices":[{"index":0,"delta":{"reasoning":"r"}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fc fastChunk
		if !fastOpenAIChunk(data, &fc) {
			return
		}
		var c oaResponse
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("fast path read %q, encoding/json refuses it: %v", data, err)
		}
		if c.ID != string(fc.id) || c.Model != string(fc.model) || c.Usage != nil || c.Error != nil || len(c.Choices) != 1 {
			t.Fatalf("fast path read %q as %+v, encoding/json as %+v", data, fc, c)
		}
		ch := c.Choices[0]
		if ch.FinishReason != nil || ch.Delta == nil || ch.Delta.ToolCalls != nil || ch.Delta.ThinkingBlocks != nil ||
			deref(ch.Delta.Content) != string(fc.content) || ch.Delta.ReasoningContent != string(fc.reasoning) ||
			ch.Delta.Reasoning != string(fc.reasoningOR) {
			t.Fatalf("fast path read %q as %+v, encoding/json as %+v", data, fc, ch.Delta)
		}
	})
}

// TestExactTextDelta: a text delta as the Anthropic API writes it, in ASCII or
// UTF-8, is read in place; one that needs its escapes read or written, or is
// written in another shape, is left to fastAnthropicDelta.
func TestExactTextDelta(t *testing.T) {
	const head = `{"type":"content_block_delta","index":`
	for _, tc := range []struct {
		data  string
		index int
		text  string // "" with ok false
		ok    bool
	}{
		{head + `0,"delta":{"type":"text_delta","text":"word 1 "}}`, 0, "word 1 ", true},
		{head + `12,"delta":{"type":"text_delta","text":"caf` + "\u00e9 \u65e5 \x7f" + `"}}`, 12, "caf\u00e9 \u65e5 \x7f", true},
		{head + `0,"delta":{"type":"text_delta","text":""}}`, 0, "", true},
		{head + `0,"delta":{"type":"text_delta","text":"a\nb"}}`, 0, "", false},
		{head + `0,"delta":{"type":"text_delta","text":"a <b>"}}`, 0, "", false},
		{head + `0,"delta":{"type":"text_delta","text":"a \u2028"}}`, 0, "", false},
		{head + `0,"delta":{"type":"text_delta","text":"` + "\u2028" + `"}}`, 0, "", false},
		{head + `0,"delta":{"type":"text_delta","text":"` + "\xff" + `"}}`, 0, "", false},
		{head + ` 0,"delta":{"type":"text_delta","text":"a"}}`, 0, "", false},
		{head + `01,"delta":{"type":"text_delta","text":"a"}}`, 0, "", false},
		{head + `0,"delta":{"type":"text_delta","text":"a"}} `, 0, "", false},
		{head + `0,"delta":{"type":"thinking_delta","thinking":"a"}}`, 0, "", false},
		{`{"index":0,"type":"content_block_delta","delta":{"type":"text_delta","text":"a"}}`, 0, "", false},
	} {
		index, text, ok := exactTextDelta([]byte(tc.data))
		if ok != tc.ok || index != tc.index || string(text) != tc.text {
			t.Errorf("exactTextDelta(%s) = %d %q %v, want %d %q %v", tc.data, index, text, ok, tc.index, tc.text, tc.ok)
		}
	}
}
