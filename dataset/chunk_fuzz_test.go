package dataset

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chunkSeeds adds the data of every event of the golden streams of dialect dir,
// and extra, to the corpus of f.
func chunkSeeds(f *testing.F, dir string, extra ...string) {
	f.Helper()
	dir = filepath.Join("testdata", dir)
	for _, name := range goldenCases(f, dir, ".resp") {
		eachSSE(readFile(f, filepath.Join(dir, name+".resp")), func(_, data []byte) bool {
			f.Add(append([]byte(nil), data...))
			return true
		})
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// FuzzOpenAIChunk checks the fast chunk decoder against encoding/json: whenever it
// takes a chunk, json.Unmarshal must take it too and give the same value.
func FuzzOpenAIChunk(f *testing.F) {
	chunkSeeds(f, "openai",
		`{"choices":[{"index":0,"delta":{"content":"a\u00e9\ud83d\ude00\ud800x\"\\/\b\f\n\r\t"},"finish_reason":null}]}`,
		`{"Model":"m","choices":[]}`, `{"model":"a","model":"b"}`, `{"model":"\xff"}`, `{"choices":[null]}`,
		`{"choices":[{"index":1.0}]}`, `{"choices":[{"index":-0,"delta":null}],"usage":null,"error":null}`,
		`{"x":[1,-2.5e+3,true,false,null,{"y":{}},[]],"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":{"a":1}}}]}}]}`,
		`{"choices":[{"delta":{"function_call":{"name":"f","arguments":null}}}],"ſ":1,"K":2}`,
		` {"model":"m"} `, `{"model":"m"}x`, `null`, `{"error":{"message":"boom"}}`,
		// Whole responses (parseOpenAIObject takes the same path).
		`{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"a\nb\u00e9","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
		`{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}`,
		`{"choices":[{"message":{"content":[{"type":"text","text":"x"}],"reasoning_content":"r","reasoning":null,"tool_calls":null,"function_call":{"name":"f"},"tool_call_id":"i","name":"n"}}]}`,
		`{"choices":[{"message":null},{"message":{"Content":"x"}},{"message":{"prefix":true,"reasoning_details":[]}}]}`,
		`{"choices":[{"message":{"content":"a","content":"b"}}]}`, `{"choices":[{"message":{"content":"\xff"}}]}`)
	for _, name := range goldenCases(f, filepath.Join("testdata", "openai"), ".resp") {
		f.Add(readFile(f, filepath.Join("testdata", "openai", name+".resp")))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkFastDecode(t, data, fastOpenAIChunk) })
}

// FuzzAnthropicEvent checks the fast event decoder against encoding/json, as
// FuzzOpenAIChunk does.
func FuzzAnthropicEvent(f *testing.F) {
	chunkSeeds(f, "anthropic",
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"h\u00e9\ud83d"}}`,
		`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`,
		`{"Type":"x"}`, `{"index":1e2}`, `{"delta":null,"usage":null,"error":null}`, `{"type":"error","error":{"type":"overloaded_error"}}`)
	f.Fuzz(func(t *testing.T, data []byte) { checkFastDecode(t, data, fastAnthropicEvent) })
}

// FuzzGeminiChunk checks the fast chunk decoder against encoding/json, as
// FuzzOpenAIChunk does.
func FuzzGeminiChunk(f *testing.F) {
	chunkSeeds(f, "gemini",
		`{"candidates":[{"content":{"parts":[{"text":"a_b","thought":true,"thoughtSignature":"s"}],"role":"model"},"index":1,"safetyRatings":[{"category":"x"}]}],"usageMetadata":{"promptTokenCount":9,"promptTokensDetails":[{"modality":"TEXT"}]},"modelVersion":"gemini"}`,
		`{"candidates":[{"content":{"parts":[{"text":"a","thought_signature":"s"}]}}]}`,
		`{"candidates":[{"content":{"parts":[{"Text":"a"}],"x_y":1}}]}`, `{"candidates":[{"content":null,"index":null}]}`,
		`{"candidates":[{"content":{"parts":[{"x":{"a_b":1},"text":"\u005f"}]}}]}`, `{"error":{"code":429}}`)
	f.Fuzz(func(t *testing.T, data []byte) { checkFastDecode(t, data, fastGeminiChunk) })
}

// checkFastDecode fails t when fast takes data but json.Unmarshal refuses it or
// reads it differently.
func checkFastDecode[T any](t *testing.T, data []byte, fast func([]byte, *T) bool) {
	var got T
	if !fast(data, &got) {
		return
	}
	var want T
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("fast path took %q, json.Unmarshal refused it: %v", data, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("decode %q (-json.Unmarshal +fast):\n%s", data, diff)
	}
}

// FuzzOpenAIContent checks that a content string is read as encoding/json reads it,
// escaped or not (openaiContent unquotes it with the lexer).
func FuzzOpenAIContent(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\nb\t\"q\"\\"`, `"\u00e9\ud83d\ude00\ud800x"`, `"\ud800\u0041"`,
		`"\xff\n"`, `"é\/"`, ` "x" `, `"a\u00"`, `"a\qb"`, "\"a\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want string
		if json.Unmarshal(raw, &want) != nil {
			return // not a JSON string: openaiContent's input always is valid JSON
		}
		got, media, err := openaiContent(raw, false)
		if err != nil || media != nil || got != want {
			t.Fatalf("openaiContent(%q) = %q, %v, %v; want %q", raw, got, media, err, want)
		}
	})
}
