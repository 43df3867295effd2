package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

// accumulate merges an OpenAI stream delta into acc the way openai-python's
// ChatCompletionStreamState does (accumulate_delta): strings are appended, objects
// merged, lists of objects merged by their "index" (a second list without one is
// an error), other values replaced. A translated stream must survive it.
func accumulate(acc, delta map[string]any) error {
	for k, dv := range delta {
		av, ok := acc[k]
		if !ok || av == nil {
			acc[k] = dv
			continue
		}
		switch d := dv.(type) {
		case string:
			if a, ok := av.(string); ok {
				acc[k] = a + d
				continue
			}
		case map[string]any:
			if a, ok := av.(map[string]any); ok {
				if err := accumulate(a, d); err != nil {
					return err
				}
				continue
			}
		case []any:
			a, ok := av.([]any)
			if !ok {
				break
			}
			for _, e := range d {
				em, ok := e.(map[string]any)
				if !ok {
					return fmt.Errorf("%s: list entry is not an object", k)
				}
				idx, ok := em["index"].(float64)
				if !ok {
					return fmt.Errorf("%s: list delta entry has no index", k)
				}
				i := int(idx)
				if i >= len(a) {
					a = append(a, em)
				} else if err := accumulate(a[i].(map[string]any), em); err != nil {
					return err
				}
			}
			acc[k] = a
			continue
		}
		acc[k] = dv
	}
	return nil
}

// clientMessage runs an OpenAI client stream through accumulate and returns the
// assistant message a client would send back.
func clientMessage(t *testing.T, stream []byte) map[string]any {
	t.Helper()
	events, _ := dataset.ParseSSE(stream)
	msg := map[string]any{}
	for _, ev := range events {
		if ev.Data == "[DONE]" {
			continue
		}
		var chunk struct {
			Choices []struct {
				Delta map[string]any `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &chunk); err != nil {
			t.Fatalf("chunk %s: %v", ev.Data, err)
		}
		for _, c := range chunk.Choices {
			if err := accumulate(msg, c.Delta); err != nil {
				t.Fatalf("accumulate %s: %v", ev.Data, err)
			}
		}
	}
	return msg
}

func translateStream(t *testing.T, client, provider, file string) []byte {
	t.Helper()
	in, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st := testTranslator().Stream(client, provider, "m", &out)
	if _, err := st.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// followUp builds the OpenAI request a client sends after a tool round: the
// assistant message as it received it, then one result per tool call.
func followUp(t *testing.T, assistant map[string]any) []byte {
	t.Helper()
	msgs := []any{map[string]any{"role": "user", "content": "Weather in Paris and Tokyo?"}, assistant}
	calls, _ := assistant["tool_calls"].([]any)
	if len(calls) == 0 {
		t.Fatal("the assistant message has no tool calls")
	}
	for _, c := range calls {
		id := c.(map[string]any)["id"]
		msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": id, "content": "sunny"})
	}
	body, err := json.Marshal(map[string]any{"model": "m", "messages": msgs})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestRoundTripAnthropicThinking: an OpenAI client on an Anthropic model gets
// thinking blocks and tool calls (streamed and whole), echoes the assistant
// message back with the tool results, and the Anthropic request carries the
// thinking blocks with their signatures and the tool_use blocks unchanged, as
// Anthropic requires in a tool loop with thinking.
func TestRoundTripAnthropicThinking(t *testing.T) {
	want := []anBlock{
		{Type: "thinking", Thinking: "The user wants weather in two cities; I can call get_weather twice in parallel.", Signature: ptr("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds")},
		{Type: "tool_use", ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Name: "get_weather", Input: json.RawMessage(`{"location": "Paris, France"}`)},
		{Type: "tool_use", ID: "toolu_01Bx8LWhyG1fmqRqAyQ9Kdmr", Name: "get_weather", Input: json.RawMessage(`{"location": "Tokyo, Japan"}`)},
	}
	stream := translateStream(t, OpenAI, Anthropic, "testdata/openai-anthropic/parallel_tools.stream")
	whole := replyMessage(t, Anthropic, "testdata/openai-anthropic/thinking_tools.response.json")
	tests := []struct {
		name      string
		assistant map[string]any
		want      []anBlock
	}{
		{"streamed", clientMessage(t, stream), want},
		{"whole", whole, []anBlock{
			{Type: "thinking", Thinking: "Two cities, two calls.", Signature: ptr("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrk")},
			{Type: "redacted_thinking", Data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
			{Type: "text", Text: "Checking both cities."},
			want[1], want[2],
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := testTranslator().Request(OpenAI, Anthropic, "m", followUp(t, tt.assistant), false)
			if err != nil {
				t.Fatal(err)
			}
			var req anRequest
			if err := json.Unmarshal(out, &req); err != nil {
				t.Fatal(err)
			}
			var got []anBlock
			if err := json.Unmarshal(req.Messages[1].Content, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(jsonEqual)); diff != "" {
				t.Errorf("assistant turn sent back to Anthropic (-want +got):\n%s", diff)
			}
			var results []anBlock
			if err := json.Unmarshal(req.Messages[2].Content, &results); err != nil {
				t.Fatal(err)
			}
			if len(results) != 2 || results[0].ToolUseID != want[1].ID || results[1].ToolUseID != want[2].ID {
				t.Errorf("tool results = %+v, want one user turn answering both calls", results)
			}
		})
	}
}

// TestRoundTripGeminiSignature: the thought signature of a Gemini function call
// reaches an OpenAI client (streamed and whole) on the tool call and goes back on
// the same functionCall part, with the results answering by function name.
func TestRoundTripGeminiSignature(t *testing.T) {
	stream := translateStream(t, OpenAI, Gemini, "testdata/openai-gemini/parallel_calls.stream")
	whole := replyMessage(t, Gemini, "testdata/openai-gemini/function_calls.response.json")
	for name, assistant := range map[string]map[string]any{"streamed": clientMessage(t, stream), "whole": whole} {
		t.Run(name, func(t *testing.T) {
			out, _, err := testTranslator().Request(OpenAI, Gemini, "m", followUp(t, assistant), false)
			if err != nil {
				t.Fatal(err)
			}
			var req gmRequest
			if err := json.Unmarshal(out, &req); err != nil {
				t.Fatal(err)
			}
			var calls []gmPart
			for _, p := range req.Contents[1].Parts {
				if p.FunctionCall != nil {
					calls = append(calls, p)
				}
			}
			if len(calls) != 2 || calls[0].ThoughtSignature != "CiwB0e2Kbx3uvwxyzAbCdEf" || calls[1].ThoughtSignature != "" {
				t.Errorf("function calls sent back = %+v, want two, the signature on the first", calls)
			}
			if !jsonEqual(calls[0].FunctionCall.Args, json.RawMessage(`{"location": "Paris, France"}`)) {
				t.Errorf("args = %s", calls[0].FunctionCall.Args)
			}
			resp := req.Contents[2]
			if resp.Role != "user" || len(resp.Parts) != 2 || resp.Parts[1].FunctionResponse == nil || resp.Parts[1].FunctionResponse.Name != "get_weather" {
				t.Errorf("function responses = %+v, want two in one user turn", resp)
			}
		})
	}
}

// TestRoundTripClaudeCodeOnOpenAI: an Anthropic client on an OpenAI-compatible
// model gets tool_use blocks (streamed and whole) and sends them back with
// tool_result blocks; the OpenAI request has the same call IDs and arguments.
func TestRoundTripClaudeCodeOnOpenAI(t *testing.T) {
	stream := translateStream(t, Anthropic, OpenAI, "testdata/anthropic-openai/parallel_tools.stream")
	msg := anthropicMessageFromStream(t, stream)
	out, _, err := testTranslator().Request(Anthropic, OpenAI, "m", anthropicFollowUp(t, msg), false)
	if err != nil {
		t.Fatal(err)
	}
	var req oaRequest
	if err := json.Unmarshal(out, &req); err != nil {
		t.Fatal(err)
	}
	if got := req.Messages[1].ToolCalls; len(got) != 2 || got[0].ID != "call_8Fqn2yTQXvD8MGZ0S2kdQcbD" || got[1].ID != "call_TlsMfmVFyY3GnWqmNoD7wZBc" {
		t.Fatalf("tool calls = %+v", got)
	}
	for i, wantArgs := range []string{`{"location":"Paris, France"}`, `{"location":"Tokyo, Japan"}`} {
		if !jsonEqual(json.RawMessage(req.Messages[1].ToolCalls[i].Function.Arguments), json.RawMessage(wantArgs)) {
			t.Errorf("call %d arguments = %s, want %s", i, req.Messages[1].ToolCalls[i].Function.Arguments, wantArgs)
		}
	}
	if len(req.Messages) != 4 || req.Messages[2].Role != "tool" || req.Messages[3].ToolCallID != "call_TlsMfmVFyY3GnWqmNoD7wZBc" {
		t.Errorf("messages after the call = %+v, want two tool messages", req.Messages[2:])
	}
}

// anthropicMessageFromStream rebuilds the content blocks of an Anthropic stream
// as the SDKs do: by index, appending text and partial JSON.
func anthropicMessageFromStream(t *testing.T, stream []byte) []map[string]any {
	t.Helper()
	events, complete := dataset.ParseSSE(stream)
	if !complete {
		t.Fatal("stream ends inside an event")
	}
	var blocks []map[string]any
	partial := map[int]*strings.Builder{}
	for _, ev := range events {
		var e struct {
			Type         string         `json:"type"`
			Index        int            `json:"index"`
			ContentBlock map[string]any `json:"content_block"`
			Delta        map[string]any `json:"delta"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &e); err != nil {
			t.Fatal(err)
		}
		if e.Type != ev.Event {
			t.Errorf("event %q carries type %q", ev.Event, e.Type)
		}
		switch e.Type {
		case "content_block_start":
			if e.Index != len(blocks) {
				t.Fatalf("block %d starts at index %d", len(blocks), e.Index)
			}
			blocks = append(blocks, e.ContentBlock)
			partial[e.Index] = &strings.Builder{}
		case "content_block_delta":
			switch e.Delta["type"] {
			case "input_json_delta":
				partial[e.Index].WriteString(e.Delta["partial_json"].(string))
			case "text_delta":
				blocks[e.Index]["text"] = blocks[e.Index]["text"].(string) + e.Delta["text"].(string)
			}
		case "content_block_stop":
			if blocks[e.Index]["type"] == "tool_use" {
				var in any
				if err := json.Unmarshal([]byte(partial[e.Index].String()), &in); err != nil {
					t.Fatalf("tool input %q: %v", partial[e.Index].String(), err)
				}
				blocks[e.Index]["input"] = in
			}
		}
	}
	return blocks
}

func anthropicFollowUp(t *testing.T, blocks []map[string]any) []byte {
	t.Helper()
	var results []any
	for _, b := range blocks {
		if b["type"] == "tool_use" {
			results = append(results, map[string]any{"type": "tool_result", "tool_use_id": b["id"], "content": "sunny"})
		}
	}
	body, err := json.Marshal(map[string]any{"model": "m", "max_tokens": 100, "messages": []any{
		map[string]any{"role": "user", "content": "Weather in Paris and Tokyo?"},
		map[string]any{"role": "assistant", "content": blocks},
		map[string]any{"role": "user", "content": results},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonEqual compares two JSON texts by value.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return cmp.Equal(x, y)
}

// replyMessage translates a provider's whole reply for an OpenAI client and
// returns its message as the client reads it.
func replyMessage(t *testing.T, provider, file string) map[string]any {
	t.Helper()
	out, err := testTranslator().Response(OpenAI, provider, "m", mustRead(t, file))
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Choices []struct {
			Message map[string]any `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(out, &reply); err != nil || len(reply.Choices) == 0 {
		t.Fatalf("reply %s: %v", out, err)
	}
	return reply.Choices[0].Message
}
