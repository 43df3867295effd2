package translate

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// anthropicStream200 is a streamed Anthropic reply of 200 events: a text block of
// 194 deltas between the usual start and end events, as Claude sends a long answer.
func anthropicStream200() []byte { return anthropicStream(194) }

// anthropicStream is a streamed Anthropic reply with a text block of n deltas.
func anthropicStream(n int) []byte {
	var b strings.Builder
	b.WriteString("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":2048,\"cache_read_input_tokens\":1800,\"output_tokens\":1}}}\n\n")
	b.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	b.WriteString("event: ping\ndata: {\"type\": \"ping\"}\n\n")
	for i := range n {
		fmt.Fprintf(&b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"word %d of a long answer, \"}}\n\n", i)
	}
	b.WriteString("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
	b.WriteString("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1200}}\n\n")
	b.WriteString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	return []byte(b.String())
}

// BenchmarkStreamAnthropicToOpenAI translates a 200-event Anthropic stream to
// OpenAI SSE, fed in 1 KB reads as it would come off the network.
func BenchmarkStreamAnthropicToOpenAI(b *testing.B) {
	in := anthropicStream200()
	tr := New()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		feed(b, tr.Stream(OpenAI, Anthropic, "claude-sonnet-4-5", io.Discard), in)
	}
}

// BenchmarkStreamAnthropicToOpenAIShort is the 26-event stream of the gateway's
// TranslatedInterleaved benchmark (20 deltas), translated as the gateway does:
// into a reused buffer, a new translator per stream.
func BenchmarkStreamAnthropicToOpenAIShort(b *testing.B) {
	in := anthropicStream(20)
	tr := New()
	var out bytes.Buffer
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		feed(b, tr.Stream(OpenAI, Anthropic, "claude-sonnet-4-5-20250929", &out), in)
	}
}

// feed writes in to st in 1 KB reads, as it would come off the network, and
// closes it.
func feed(b *testing.B, st StreamTranslator, in []byte) {
	for rest := in; len(rest) > 0; {
		k := min(1024, len(rest))
		if _, err := st.Write(rest[:k]); err != nil {
			b.Fatal(err)
		}
		rest = rest[k:]
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStreamOpenAIToAnthropic is the other direction (Claude Code on a local
// model): 200 OpenAI chunks to Anthropic events.
func BenchmarkStreamOpenAIToAnthropic(b *testing.B) {
	var sb strings.Builder
	for i := range 198 {
		fmt.Fprintf(&sb, "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"qwen2.5-coder:32b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word %d of a long answer, \"},\"finish_reason\":null}]}\n\n", i)
	}
	sb.WriteString("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"qwen2.5-coder:32b\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":2048,\"completion_tokens\":1200,\"total_tokens\":3248}}\n\ndata: [DONE]\n\n")
	in := []byte(sb.String())
	tr := New()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		feed(b, tr.Stream(Anthropic, OpenAI, "qwen", io.Discard), in)
	}
}

// history50 is an OpenAI request with a 50-turn history: user questions,
// assistant answers, every fifth turn a tool call and its result (the gateway's
// benchmarks send it too).
func history50() []byte {
	b, err := os.ReadFile("testdata/history50.request.json")
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkRequestHistory50 translates a 50-turn OpenAI request for Anthropic.
func BenchmarkRequestHistory50(b *testing.B) {
	in := history50()
	tr := New()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tr.Request(OpenAI, Anthropic, "claude-sonnet-4-5", in, true); err != nil {
			b.Fatal(err)
		}
	}
}
