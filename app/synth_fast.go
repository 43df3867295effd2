package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// synthLoadBatch is how many conversations SynthesizeFast writes per transaction.
const synthLoadBatch = 1000

// synthUserAgents are the clients synthetic conversations claim to come from.
var synthUserAgents = []string{"OpenAI/Python 1.55.0", "OpenAI/JS 4.77.0", "python-requests/2.32.3",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) SillyTavern/1.12.0 Chrome/131.0.0.0 Safari/537.36", ""}

// SynthesizeFast fills db with the same kind of conversations as Synthesize, but
// writes each conversation's tree directly (store.Load) instead of building wire
// bodies and threading them: about a hundred times faster, for filling a database
// of 100,000 conversations to measure the list and search. Its exchanges are stubs
// without bodies, so `llmtap reindex` cannot rebuild them; use Synthesize for that.
func SynthesizeFast(ctx context.Context, db *store.DB, opt SynthOptions) error {
	if opt.MaxRounds <= 0 {
		opt.MaxRounds = 9
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	start := time.Now().Add(-90 * 24 * time.Hour)
	step := 90 * 24 * time.Hour / time.Duration(max(opt.Conversations, 1))
	batch := make([]store.Seed, 0, synthLoadBatch)
	for i := range opt.Conversations {
		batch = append(batch, synthSeed(rng, i, start.Add(time.Duration(i)*step), opt.MaxRounds))
		if len(batch) == synthLoadBatch || i == opt.Conversations-1 {
			if err := db.Load(ctx, batch); err != nil {
				return fmt.Errorf("write synthetic conversations: %w", err)
			}
			batch = batch[:0]
			if opt.Progress != nil {
				opt.Progress(i + 1)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// synthSeed makes conversation n the way synthConversation does: tool calls in the
// first round of some, reasoning for reasoning models, a regeneration now and then
// (the newer answer is chosen), an upstream error now and then, and sometimes an
// answer cut at the token limit.
func synthSeed(rng *rand.Rand, n int, at time.Time, maxRounds int) store.Seed {
	model := synthModels[rng.IntN(len(synthModels))]
	host := synthHosts[rng.IntN(len(synthHosts))]
	topic := synthTopics[rng.IntN(len(synthTopics))]
	withTools := rng.IntN(6) == 0
	reasoning := strings.Contains(model, "reasoner") || strings.Contains(model, "qwen3")
	s := store.Seed{Host: host, Dialect: dataset.OpenAIChat, Model: model,
		UserAgent: synthUserAgents[rng.IntN(len(synthUserAgents))],
		Prelude:   []dataset.Message{{Role: dataset.RoleSystem, Content: "You are a helpful assistant. Be precise."}}}
	if withTools {
		s.Tools = `[{"type":"function","function":{"name":"search_notes","description":"Search the user's notes",` +
			`"parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}]`
	}
	parent := -1
	add := func(m dataset.Message, answer bool, finish string, at time.Time) int {
		sn := store.SeedNode{Parent: parent, Message: m, Answer: answer, Finish: finish, At: at}
		if answer {
			prompt := 40 * (len(s.Nodes) + 1)
			sn.Usage = dataset.Usage{PromptTokens: prompt, CompletionTokens: 120, TotalTokens: prompt + 120}
		}
		s.Nodes = append(s.Nodes, sn)
		return len(s.Nodes) - 1
	}
	ask := fmt.Sprintf(synthAsks[rng.IntN(len(synthAsks))], topic) + fmt.Sprintf(" (#%d)", n)
	parent = add(dataset.Message{Role: dataset.RoleUser, Content: ask}, false, "", at)
	rounds := 1 + rng.IntN(maxRounds)
	for r := range rounds {
		at = at.Add(time.Duration(20+rng.IntN(300)) * time.Second)
		if withTools && r == 0 {
			call := dataset.ToolCall{ID: fmt.Sprintf("call_%d", n), Name: "search_notes", Arguments: fmt.Sprintf(`{"query":%q}`, topic)}
			parent = add(dataset.Message{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{call}}, true, "tool_calls", at)
			parent = add(dataset.Message{Role: dataset.RoleTool, ToolCallID: call.ID,
				Content: fmt.Sprintf(`{"notes":["%s basics","%s pitfalls"]}`, topic, topic)}, false, "", at)
		}
		if rng.IntN(40) == 0 {
			s.Failures = append(s.Failures, at)
		}
		answer := dataset.Message{Role: dataset.RoleAssistant, Content: synthAnswer(rng, topic, r)}
		if reasoning {
			answer.Reasoning = fmt.Sprintf("The user asks about %s. Start with the core idea, then an example.", topic)
		}
		finish := "stop"
		if rng.IntN(50) == 0 {
			finish = "length"
		}
		head := add(answer, true, finish, at)
		if rng.IntN(8) == 0 { // a regeneration: a sibling, and the newer one is chosen
			alt := dataset.Message{Role: dataset.RoleAssistant, Content: synthAnswer(rng, topic, r+7)}
			head = add(alt, true, "stop", at.Add(5*time.Second))
		}
		s.Head, parent = head, head
		if r < rounds-1 {
			follow := dataset.Message{Role: dataset.RoleUser, Content: synthFollowUps[rng.IntN(len(synthFollowUps))]}
			parent = add(follow, false, "", at.Add(10*time.Second))
		}
	}
	return s
}
