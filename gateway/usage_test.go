package gateway

import "testing"

// TestUsageScan reads the token counts of each dialect's usage from the bytes of
// a reply, the largest value winning, and tells Ollama's prompt_eval_count from
// eval_count.
func TestUsageScan(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		chunks     []string
		in, out    int64
	}{
		{"openai", KindOpenAI, []string{`{"usage":{"prompt_tokens":25,"completion_tokens":7,"total_tokens":32}}`}, 25, 7},
		{"anthropic stream", KindAnthropic, []string{
			`data: {"type":"message_start","message":{"usage":{"input_tokens":2048,"cache_read_input_tokens":1800,"output_tokens":1}}}`,
			`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`,
			`data: {"type":"message_delta","usage":{"output_tokens": 1200}}`}, 2048, 1200},
		{"azure", KindAzure, []string{`{"usage":{"prompt_tokens":3,"completion_tokens":4}}`}, 3, 4},
		{"gemini", KindGemini, []string{`{"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":30,"totalTokenCount":42}}`}, 12, 30},
		{"ollama", KindOllama, []string{`{"done":true,"prompt_eval_count":26,"eval_count":290}`}, 26, 290},
		{"ollama, eval count alone", KindOllama, []string{`{"done":true,"eval_count":5}`}, 0, 5},
		{"text that names a field", KindAnthropic, []string{`{"delta":{"text":"input_tokens: 99"}}`}, 0, 0},
		{"another dialect's names", KindOpenAI, []string{`{"prompt_eval_count":26,"eval_count":290}`}, 0, 0},
		{"none", KindOpenAI, []string{`data: [DONE]`}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := usageOf(tc.kind)
			for _, c := range tc.chunks {
				u.scan([]byte(c))
			}
			if u.in != tc.in || u.out != tc.out {
				t.Fatalf("usage = in %d out %d, want in %d out %d", u.in, u.out, tc.in, tc.out)
			}
		})
	}
}

// BenchmarkUsageScan scans the bytes of the 26-event Anthropic stream of the
// translated benchmarks for their token counts, as every routed reply is.
func BenchmarkUsageScan(b *testing.B) {
	p := []byte(anthropicBenchStream)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		u := usageOf(KindAnthropic)
		u.scan(p)
		if u.in != 25 || u.out != 21 {
			b.Fatalf("usage = %+v", u)
		}
	}
}
