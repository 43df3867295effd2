package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// SynthOptions says how much synthetic traffic Synthesize makes.
type SynthOptions struct {
	// Conversations to create; each has 1 to MaxRounds rounds.
	Conversations int
	// MaxRounds bounds the rounds of one conversation; 0 → 9 (about 10 messages on average).
	MaxRounds int
	// Seed makes the output repeatable; the same seed gives the same data.
	Seed uint64
	// Progress, when set, is called after each batch with the conversations done.
	Progress func(done int)
}

// Synthesize fills db with realistic synthetic chat traffic — multi-turn chats,
// streamed and not, tool calls, reasoning, regenerations, an error now and then —
// for demos and benchmarks. Every exchange is built as wire-format OpenAI request and
// response bodies and goes through the same decode → parse → thread path as real
// captures, so reindex and the parsers see it as they would see real traffic.
func Synthesize(ctx context.Context, db *store.DB, opt SynthOptions) error {
	if opt.MaxRounds <= 0 {
		opt.MaxRounds = 9
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	start := time.Now().Add(-90 * 24 * time.Hour)
	step := 90 * 24 * time.Hour / time.Duration(max(opt.Conversations, 1))
	var batch []store.Capture
	flush := func(done int) error {
		if err := db.Write(ctx, batch); err != nil {
			return fmt.Errorf("write synthetic traffic: %w", err)
		}
		batch = batch[:0]
		if opt.Progress != nil {
			opt.Progress(done)
		}
		return ctx.Err()
	}
	for i := range opt.Conversations {
		at := start.Add(time.Duration(i) * step)
		for _, ex := range synthConversation(rng, i, at, opt.MaxRounds) {
			batch = append(batch, toCapture(ex))
		}
		if len(batch) >= synthBatch {
			if err := flush(i + 1); err != nil {
				return err
			}
		}
	}
	return flush(opt.Conversations)
}

// synthBatch is how many synthetic captures go into one transaction.
const synthBatch = 256

var (
	synthModels = []string{"gpt-4o-mini", "gpt-4.1", "deepseek-reasoner", "claude-sonnet-4", "llama-3.3-70b", "qwen3-32b"}
	synthHosts  = []string{"api.openai.com", "api.deepseek.com", "openrouter.ai", "127.0.0.1:11434", "127.0.0.1:5000"}
	synthTopics = []string{"SQLite indexes", "Go generics", "sourdough starters", "the French Revolution",
		"Rust lifetimes", "a birthday poem", "Kubernetes probes", "tide tables", "Svelte stores", "tax brackets",
		"a fantasy tavern scene", "regex for emails", "climbing knots", "TCP slow start", "a cover letter"}
	synthAsks = []string{"Explain %s to me like I am new to it.", "What are the common mistakes with %s?",
		"Give me a short example about %s.", "Can you compare two approaches to %s?", "Write a few paragraphs about %s."}
	synthFollowUps = []string{"Can you go deeper on the second point?", "Show me code for that.",
		"Shorter, please.", "Why is that?", "What would you do differently?", "Thanks! One more question: what about edge cases?"}
)

// synthConversation makes the exchanges of one conversation.
func synthConversation(rng *rand.Rand, n int, at time.Time, maxRounds int) []*proxy.Exchange {
	model := synthModels[rng.IntN(len(synthModels))]
	host := synthHosts[rng.IntN(len(synthHosts))]
	topic := synthTopics[rng.IntN(len(synthTopics))]
	withTools := rng.IntN(6) == 0
	reasoning := strings.Contains(model, "reasoner") || strings.Contains(model, "qwen3")
	msgs := []map[string]any{{"role": "system", "content": "You are a helpful assistant. Be precise."}}
	msgs = append(msgs, map[string]any{"role": "user", "content": fmt.Sprintf(synthAsks[rng.IntN(len(synthAsks))], topic) + fmt.Sprintf(" (#%d)", n)})
	rounds := 1 + rng.IntN(maxRounds)
	var out []*proxy.Exchange
	for r := range rounds {
		at = at.Add(time.Duration(20+rng.IntN(300)) * time.Second)
		if withTools && r == 0 {
			call := map[string]any{"id": fmt.Sprintf("call_%d", n), "type": "function",
				"function": map[string]any{"name": "search_notes", "arguments": fmt.Sprintf(`{"query":%q}`, topic)}}
			out = append(out, synthExchange(host, model, msgs, map[string]any{"role": "assistant", "content": nil,
				"tool_calls": []any{call}}, "tool_calls", at, true))
			msgs = append(msgs, map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{call}},
				map[string]any{"role": "tool", "tool_call_id": call["id"], "content": fmt.Sprintf(`{"notes":["%s basics","%s pitfalls"]}`, topic, topic)})
		}
		answer := map[string]any{"role": "assistant", "content": synthAnswer(rng, topic, r)}
		if reasoning {
			answer["reasoning_content"] = fmt.Sprintf("The user asks about %s. Start with the core idea, then an example.", topic)
		}
		if rng.IntN(40) == 0 { // an upstream error now and then: stored, never a training turn
			ex := synthExchange(host, model, msgs, nil, "", at, withTools)
			ex.Status, ex.RespBody = http.StatusTooManyRequests, []byte(`{"error":{"message":"rate limited","type":"rate_limit"}}`)
			out = append(out, ex)
		}
		out = append(out, synthExchange(host, model, msgs, answer, "stop", at, withTools))
		if rng.IntN(8) == 0 { // a regeneration: the same history answered again
			alt := map[string]any{"role": "assistant", "content": synthAnswer(rng, topic, r+7)}
			out = append(out, synthExchange(host, model, msgs, alt, "stop", at.Add(5*time.Second), withTools))
			answer = alt
		}
		delete(answer, "reasoning_content") // clients do not send reasoning back
		msgs = append(msgs, answer, map[string]any{"role": "user", "content": synthFollowUps[rng.IntN(len(synthFollowUps))]})
	}
	return out
}

func synthAnswer(rng *rand.Rand, topic string, r int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Here is how I think about **%s** (part %d).\n\n", topic, r+1)
	for i := range 1 + rng.IntN(4) {
		fmt.Fprintf(&b, "%d. A point about %s that matters in practice, with a short reason why.\n", i+1, topic)
	}
	if rng.IntN(3) == 0 {
		b.WriteString("\n```go\nfunc example() error {\n\treturn nil\n}\n```\n")
	}
	return b.String()
}

// synthExchange builds one non-streamed chat completion exchange; answer nil means
// the response body is left for the caller to fill.
func synthExchange(host, model string, msgs []map[string]any, answer map[string]any, finish string, at time.Time, tools bool) *proxy.Exchange {
	req := map[string]any{"model": model, "messages": msgs}
	if tools {
		req["tools"] = []any{map[string]any{"type": "function", "function": map[string]any{
			"name": "search_notes", "description": "Search the user's notes",
			"parameters": map[string]any{"type": "object", "properties": map[string]any{"query": map[string]any{"type": "string"}}}}}}
	}
	reqBody, _ := json.Marshal(req)
	ex := &proxy.Exchange{
		Method: "POST", URL: "https://" + host + "/v1/chat/completions", Route: "host:" + host, Host: host,
		Path: "/v1/chat/completions", Status: http.StatusOK, ReqBody: reqBody,
		ReqHeader:  http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer [redacted]"}},
		RespHeader: http.Header{"Content-Type": {"application/json"}},
		Start:      at, FirstByte: at.Add(400 * time.Millisecond), End: at.Add(2 * time.Second),
	}
	if answer != nil {
		ex.RespBody, _ = json.Marshal(map[string]any{
			"id": "chatcmpl-synth", "object": "chat.completion", "created": at.Unix(), "model": model,
			"choices": []any{map[string]any{"index": 0, "message": answer, "finish_reason": finish}},
			"usage":   map[string]any{"prompt_tokens": 40 * len(msgs), "completion_tokens": 120, "total_tokens": 40*len(msgs) + 120},
		})
	}
	return ex
}
