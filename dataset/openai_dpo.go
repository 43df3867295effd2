package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// FormatOpenAIDPO is one preference pair per line for OpenAI's preference
// (DPO) fine-tuning: "input" holds the prompt ("messages", "tools",
// "parallel_tool_calls"), "preferred_output" and "non_preferred_output" one
// assistant message each. DPO takes text only: images are left out.
const FormatOpenAIDPO ExportFormat = "openai-dpo"

// OpenAIDPORecord is one line of a FormatOpenAIDPO file.
type OpenAIDPORecord struct {
	Input struct {
		Messages          []OpenAIMessage `json:"messages"`
		Tools             []openAITool    `json:"tools,omitempty"`
		ParallelToolCalls *bool           `json:"parallel_tool_calls,omitempty"`
	} `json:"input"`
	PreferredOutput    []OpenAIMessage `json:"preferred_output"`
	NonPreferredOutput []OpenAIMessage `json:"non_preferred_output"`
}

// pairChat maps p onto the role/content layouts: the prompt as chatMessages maps
// a conversation (opener and all), each answer as the turn after it, and the
// tools in the target schema. hasField keeps reasoning in its own field.
func pairChat(p PreferencePair, opt ShareGPTOptions, hasField bool) (prompt []chatMessage, chosen, rejected chatMessage, tools []FunctionTool, err error) {
	p = opt.pairReasoning(p, hasField)
	path := func(answer Message) ([]chatMessage, error) {
		answer.NoTrain = false
		msgs := append(p.History[:len(p.History):len(p.History)], answer)
		out, err := chatMessages(Conversation{ID: p.ID, Messages: msgs}, opt)
		if err != nil {
			return nil, err
		}
		if len(out) < 2 || out[len(out)-1].role != RoleAssistant {
			return nil, errors.New("no answer after the history")
		}
		return out, nil
	}
	withChosen, err := path(p.Chosen)
	if err != nil {
		return nil, chosen, rejected, nil, fmt.Errorf("chosen answer: %w", err)
	}
	withRejected, err := path(p.Rejected)
	if err != nil {
		return nil, chosen, rejected, nil, fmt.Errorf("rejected answer: %w", err)
	}
	prompt = withChosen[:len(withChosen)-1]
	if len(prompt) == 0 || (prompt[len(prompt)-1].role != RoleUser && prompt[len(prompt)-1].role != RoleTool) {
		return nil, chosen, rejected, nil, errors.New("the history does not end with a user turn or tool results")
	}
	chosen, rejected = withChosen[len(withChosen)-1], withRejected[len(withRejected)-1]
	if chosen.content == rejected.content && chosen.reasoning == rejected.reasoning && reflect.DeepEqual(chosen.calls, rejected.calls) {
		return nil, chosen, rejected, nil, errors.New("the chosen and rejected answers are the same")
	}
	tools, err = TargetTools(p.Tools)
	return prompt, chosen, rejected, tools, err
}

func convertOpenAIDPO(p PreferencePair, opt ShareGPTOptions) (converted, error) {
	prompt, chosen, rejected, tools, err := pairChat(p, opt, false)
	if err != nil {
		return converted{}, err
	}
	rec := &OpenAIDPORecord{}
	rec.Input.Tools = openAITools(tools)
	parallel := len(chosen.calls) > 1 || len(rejected.calls) > 1
	for _, m := range prompt {
		om, _ := openAIMessage(m, nil, false) // no media: DPO takes text only
		rec.Input.Messages = append(rec.Input.Messages, om)
		parallel = parallel || len(m.calls) > 1
	}
	if len(rec.Input.Tools) > 0 {
		rec.Input.ParallelToolCalls = &parallel
	}
	c, _ := openAIMessage(chosen, nil, false)
	r, _ := openAIMessage(rejected, nil, false)
	rec.PreferredOutput, rec.NonPreferredOutput = []OpenAIMessage{c}, []OpenAIMessage{r}
	if err := checkedRecord(rec, validateOpenAIDPO); err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: prompt[0].role == RoleSystem, tools: len(rec.Input.Tools) > 0}, nil
}

// ValidateOpenAIDPO checks one line of a FormatOpenAIDPO file against OpenAI's
// preference fine-tuning format, independently of how it was made: "input" has
// "messages" that pass the chat fine-tuning checks (ValidateOpenAI, without the
// trained answer: the outputs are the answers) and end with a user or tool
// message; "preferred_output" and "non_preferred_output" are one assistant
// message each, with no weight, and differ; tools are functions with a name.
func ValidateOpenAIDPO(line []byte) error { return invalidRecord(validateOpenAIDPO(line)) }

func validateOpenAIDPO(line []byte) error {
	var rec struct {
		Input *struct {
			Messages []json.RawMessage `json:"messages"`
			Tools    json.RawMessage   `json:"tools"`
		} `json:"input"`
		Preferred    []json.RawMessage `json:"preferred_output"`
		NonPreferred []json.RawMessage `json:"non_preferred_output"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("not a JSON record: %w", err)
	}
	if rec.Input == nil {
		return errors.New("input is missing")
	}
	return validatePair("input.messages", rec.Input.Messages, rec.Input.Tools, validateOpenAI,
		namedMessages{"preferred_output", rec.Preferred}, namedMessages{"non_preferred_output", rec.NonPreferred})
}

// namedMessages are the messages of one answer of a pair, under its field's name.
type namedMessages struct {
	name string
	msgs []json.RawMessage
}

// validatePair checks the layout both message-list pair formats share: a prompt
// (field promptName) ending with a user or tool message; two answers of exactly
// one assistant message each, without a weight, that differ; and the prompt
// followed by each answer, with tools, passing validate as one chat.
func validatePair(promptName string, prompt []json.RawMessage, tools json.RawMessage, validate func([]byte) error, answers ...namedMessages) error {
	if len(prompt) == 0 {
		return fmt.Errorf("%s is missing or empty", promptName)
	}
	var last struct {
		Role string `json:"role"`
	}
	json.Unmarshal(prompt[len(prompt)-1], &last)
	if last.Role != "user" && last.Role != "tool" {
		return fmt.Errorf("%s ends with a %q message, want user or tool", promptName, last.Role)
	}
	for _, a := range answers {
		if len(a.msgs) != 1 {
			return fmt.Errorf("%s is not one message", a.name)
		}
		var m struct {
			Role   string          `json:"role"`
			Weight json.RawMessage `json:"weight"`
		}
		if json.Unmarshal(a.msgs[0], &m) != nil || m.Role != "assistant" {
			return fmt.Errorf("%s is not an assistant message", a.name)
		}
		if m.Weight != nil {
			return fmt.Errorf("%s has a weight", a.name)
		}
		whole := map[string]any{"messages": append(prompt[:len(prompt):len(prompt)], a.msgs[0])}
		if tools != nil {
			whole["tools"] = tools
		}
		b, _ := json.Marshal(whole)
		if err := validate(b); err != nil {
			return fmt.Errorf("%s with %s: %w", promptName, a.name, err)
		}
	}
	if bytes.Equal(answers[0].msgs[0], answers[1].msgs[0]) {
		return fmt.Errorf("%s and %s are the same", answers[0].name, answers[1].name)
	}
	return nil
}
