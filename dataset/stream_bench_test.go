package dataset

import (
	"fmt"
	"strings"
	"testing"
)

// streamBody builds an event stream of about size bytes: one event per small token,
// as a model streams a long answer. event renders token i.
func streamBody(size int, head, tail string, event func(i int) string) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; b.Len() < size; i++ {
		b.WriteString(event(i))
	}
	b.WriteString(tail)
	return []byte(b.String())
}

// benchToken varies the tokens so no parser can lean on repeats: a word, a
// space, punctuation, a newline or a non-ASCII letter now and then.
func benchToken(i int) string {
	switch i % 7 {
	case 3:
		return fmt.Sprintf(" w%d,", i)
	case 5:
		return `\n`
	case 6:
		return fmt.Sprintf(" été%d", i%100)
	}
	return fmt.Sprintf(" w%x", i)
}

var benchReq = []byte(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)

// benchStreams are the bodies BenchmarkParseStream parses, by dialect and size.
func benchStreams(size int) []struct {
	name    string
	dialect Dialect
	req     []byte
	body    []byte
} {
	openai := streamBody(size,
		`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`+"\n\n",
		`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n"+
			`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":20000,"total_tokens":20009}}`+"\n\n"+
			"data: [DONE]\n\n",
		func(i int) string {
			return `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"` + benchToken(i) + `"},"finish_reason":null}]}` + "\n\n"
		})
	anthropic := streamBody(size,
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"+
			"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"+
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":20000}}\n\n"+
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
		func(i int) string {
			return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" + benchToken(i) + "\"}}\n\n"
		})
	gemini := streamBody(size, "",
		`data: {"candidates":[{"content":{"parts":[{"text":"."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":20000,"totalTokenCount":20009},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`+"\r\n\r\n",
		func(i int) string {
			return `data: {"candidates":[{"content":{"parts":[{"text":"` + benchToken(i) + `"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"r1"}` + "\r\n\r\n"
		})
	geminiReq := []byte(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`)
	anthropicReq := []byte(`{"model":"claude-sonnet-4-5","stream":true,"max_tokens":64000,"messages":[{"role":"user","content":"hi"}]}`)
	return []struct {
		name    string
		dialect Dialect
		req     []byte
		body    []byte
	}{
		{"openai", OpenAIChat, benchReq, openai},
		{"anthropic", Anthropic, anthropicReq, anthropic},
		{"gemini", Gemini, geminiReq, gemini},
	}
}

// BenchmarkParseStream parses streamed replies of 2 MB (a long answer in about
// 20,000 small deltas) and of 2 KB (a typical short reply), per dialect. The
// figure that matters is MB/s: issue 11 wants a 2 MB body stored at 100 MB/s.
func BenchmarkParseStream(b *testing.B) {
	for _, size := range []struct {
		name  string
		bytes int
	}{{"2mb", 2 << 20}, {"2kb", 2 << 10}} {
		for _, s := range benchStreams(size.bytes) {
			b.Run(s.name+"_"+size.name, func(b *testing.B) {
				r, err := Parse(s.dialect, s.req, s.body)
				if err != nil || r.Incomplete || len(r.Answers) != 1 {
					b.Fatalf("Parse = %+v, %v; want one complete answer", r, err)
				}
				b.SetBytes(int64(len(s.body)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Parse(s.dialect, s.req, s.body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkParseObject parses an OpenAI chat response that is not streamed, its
// answer one string of 2 MB: words, with a line break escaped now and then.
func BenchmarkParseObject(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 2<<20; i++ {
		sb.WriteString(benchToken(i))
		if i%50 == 49 {
			sb.WriteString(`\n`)
		}
	}
	body := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"` +
		sb.String() + `","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":20000,"total_tokens":20009}}`)
	req := []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	r, err := Parse(OpenAIChat, req, body)
	if err != nil || r.Incomplete || len(r.Answers) != 1 || len(r.Answers[0].Content) < 2<<20-64<<10 {
		b.Fatalf("Parse = %v; want one complete answer of about 2 MB", err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(OpenAIChat, req, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseStreamBigPieces parses a 2 MB answer streamed in 8 KiB pieces (as
// the load tests' upstream sends it): reassembling the text is what it allocates.
func BenchmarkParseStreamBigPieces(b *testing.B) {
	var sb strings.Builder
	piece := strings.Repeat("the quick brown fox jumps over the lazy dog ", 200)[:8<<10]
	sb.WriteString(`data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n")
	for range 256 {
		sb.WriteString(`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"` + piece + `"},"finish_reason":null}]}` + "\n\n")
	}
	sb.WriteString("data: [DONE]\n\n")
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if r, err := Parse(OpenAIChat, benchReq, body); err != nil || len(r.Answers) != 1 || len(r.Answers[0].Content) != 256*len(piece) {
			b.Fatalf("Parse = %v; want one answer of %d bytes", err, 256*len(piece))
		}
	}
}
