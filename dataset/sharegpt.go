package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidRecord wraps the reason a conversation cannot become a dataset record.
var ErrInvalidRecord = errors.New("invalid record")

// The ShareGPT "from" tags LLaMA-Factory reads by default.
const (
	TagHuman        = "human"
	TagGPT          = "gpt"
	TagObservation  = "observation"
	TagFunctionCall = "function_call"
	TagSystem       = "system"
)

// ShareGPTTurn is one message of a ShareGPT record.
type ShareGPTTurn struct {
	From  string `json:"from" parquet:"from"`
	Value string `json:"value" parquet:"value"`
}

// ShareGPTRecord is one conversation in the ShareGPT format as LLaMA-Factory's
// sharegpt loader reads it with its default columns and tags: "conversations",
// "system" and "tools" (the tool definitions as a JSON array in a string).
type ShareGPTRecord struct {
	Conversations []ShareGPTTurn `json:"conversations" parquet:"conversations,list"`
	// System is the system prompt, "" when there is none or it is written inline.
	System string `json:"system,omitempty" parquet:"system,optional"`
	// Tools is the JSON array of tool definitions, "" when none were offered.
	Tools string `json:"tools,omitempty" parquet:"tools,optional"`
	// Images are the images of the human turns, in order, each named in its turn
	// by one ImagePlaceholder (LLaMA-Factory's "images" column).
	Images []string `json:"images,omitempty" parquet:"images,optional,list"`
	// Score is the conversation's quality score, 1 to MaxScore; 0 (unrated) is
	// left out, a null in Parquet (score.go).
	Score int `json:"score,omitempty" parquet:"score,optional"`
	// Warnings says what the conversion had to leave out. It is not written.
	Warnings []string `json:"-" parquet:"-"`
}

// ShareGPTOptions tunes ToShareGPT. The zero value writes the system prompt in the
// top-level "system" field, puts an opener into it after DefaultOpenerPrefix, and
// names the speakers of a group chat.
type ShareGPTOptions struct {
	// SystemInline writes the system prompt as a first {"from": "system"} turn
	// instead of the top-level "system" field. LLaMA-Factory reads both.
	SystemInline bool
	// Opener says what becomes of the assistant messages before the first user
	// turn (see OpenerMode); "" is OpenerSystem.
	Opener OpenerMode
	// OpenerPrefix is the line before the opener in the system prompt; "" is
	// DefaultOpenerPrefix.
	OpenerPrefix string
	// Names says whether assistant text starts with the speaker's name; "" is
	// NamesAuto.
	Names NameMode
	// Pairs says which preference pairs a pair format takes; "" is PairsAll.
	Pairs PairPolicy
	// Reasoning says what becomes of an answer's reasoning (see ReasoningMode); ""
	// keeps it in the format's reasoning field where it has one, else drops it.
	Reasoning ReasoningMode
	// ReasoningHistory keeps the reasoning of answers before the last one of a
	// record (or before a pair's answers); by default only the answer learned
	// last carries its reasoning, as chat templates render history.
	ReasoningHistory bool
	// Media writes the images the messages carry and says how a record refers to
	// them; nil leaves images out of the records.
	Media MediaStore
}

// ToShareGPT turns c into a ShareGPT record that passes ValidateShareGPT, or returns
// an error wrapping ErrInvalidRecord that gives the reason. The mapping:
//   - System messages at the start are joined with "\n\n" into the system prompt; a
//     system message anywhere else makes the record invalid.
//   - A user message becomes "human"; consecutive user messages are merged with
//     "\n\n", since trainers need strictly alternating turns.
//   - An assistant message with tool calls becomes "function_call", valued with
//     {"name", "arguments"} as JSON (a JSON list of those for parallel calls). Text
//     beside the calls has no place in that turn: it is dropped with a warning.
//     Arguments must be a JSON object ("" counts as {}).
//   - Other assistant messages become "gpt"; an empty one is invalid, as is an
//     assistant message right after another.
//   - Consecutive tool results become one "observation": the content of a single
//     result, or a JSON array of the contents of several.
//   - Assistant messages before the first user turn (a character card's greeting)
//     are the opener: by opt.Opener, a marked part of the system prompt or dropped.
//   - With speaker names on (opt.Names), assistant text reads "Name: text".
//   - A trailing human or observation turn has no answer to learn and is dropped.
//     A record that is left without an assistant turn is invalid.
func ToShareGPT(c Conversation, opt ShareGPTOptions) (*ShareGPTRecord, error) {
	rec, err := convertShareGPT(c, opt)
	if err != nil {
		return nil, fmt.Errorf("conversation %d: %w: %w", c.ID, ErrInvalidRecord, err)
	}
	return rec, nil
}

// convertShareGPT is ToShareGPT with the bare reason as its error, followed by the
// independent check, which catches a converter bug before a trainer does.
func convertShareGPT(c Conversation, opt ShareGPTOptions) (*ShareGPTRecord, error) {
	rec, err := toShareGPT(c, opt)
	if err != nil {
		return nil, err
	}
	if err := validateShareGPT(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// convertShareGPTRecord is convertShareGPT for a lineWriter (a record sink).
func convertShareGPTRecord(c Conversation, opt ShareGPTOptions) (converted, error) {
	rec, err := convertShareGPT(c, opt)
	if err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: rec.System != "", tools: rec.Tools != "", images: len(rec.Images) > 0, warned: len(rec.Warnings) > 0}, nil
}

func toShareGPT(c Conversation, opt ShareGPTOptions) (*ShareGPTRecord, error) {
	rec := &ShareGPTRecord{Score: scoreOf(c)}
	tools, err := shareGPTTools(c.Tools)
	if err != nil {
		return nil, err
	}
	rec.Tools = tools

	o := SplitOpening(opt.withReasoning(c.Messages, false))
	named := named(opt.Names, c.Messages)
	turns, warnings, imgs, err := shareGPTTurns(o.Rest, o.Offset, named, opt.Media)
	if err != nil {
		return nil, err
	}
	rec.Warnings, rec.Images = warnings, imgs
	// Drop the unanswered tail: LLaMA-Factory needs an even count, answer last.
	if n := len(turns); n > 0 && (turns[n-1].From == TagHuman || turns[n-1].From == TagObservation) {
		turns = turns[:n-1]
	}
	if len(turns) == 0 {
		return nil, errors.New("no assistant answer")
	}
	rec.System, rec.Conversations = placeSystem(opt, o, named, turns)
	return rec, nil
}

// placeSystem returns the system prompt of o for the top-level field, or "" and
// turns led by it as a "system" turn when opt.SystemInline.
func placeSystem(opt ShareGPTOptions, o Opening, named bool, turns []ShareGPTTurn) (string, []ShareGPTTurn) {
	s := opt.systemPrompt(o, named)
	if s != "" && opt.SystemInline {
		return "", append([]ShareGPTTurn{{From: TagSystem, Value: s}}, turns...)
	}
	return s, turns
}

// shareGPTTurns maps the messages after the system prompt; offset is the position of
// msgs[0] in the conversation, for error messages; named puts speaker names into
// assistant text.
func shareGPTTurns(msgs []Message, offset int, named bool, media MediaStore) (turns []ShareGPTTurn, warnings, imgs []string, err error) {
	var results []string // tool results waiting to become one observation
	last := func() string {
		if len(turns) == 0 {
			return ""
		}
		return turns[len(turns)-1].From
	}
	flush := func() {
		switch len(results) {
		case 0:
			return
		case 1:
			turns = append(turns, ShareGPTTurn{From: TagObservation, Value: results[0]})
		default:
			b, _ := marshalNoEscape(results) // a []string always encodes
			turns = append(turns, ShareGPTTurn{From: TagObservation, Value: string(b)})
		}
		results = nil
	}
	for i, m := range msgs {
		pos := offset + i + 1
		if m.Role != RoleTool {
			flush()
		}
		switch m.Role {
		case RoleSystem:
			return nil, nil, nil, fmt.Errorf("system message at position %d is not at the start", pos)
		case RoleUser:
			prefix, paths, err := imagePaths(media, m)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("image of the user message at position %d: %w", pos, err)
			}
			imgs = append(imgs, paths...)
			text := prefix + strings.TrimSpace(m.Content)
			switch {
			case text == "":
				return nil, nil, nil, fmt.Errorf("empty user message at position %d", pos)
			case last() == TagHuman:
				turns[len(turns)-1].Value += "\n\n" + text
			case last() == TagObservation:
				return nil, nil, nil, fmt.Errorf("user message at position %d follows a tool result without an answer", pos)
			default:
				turns = append(turns, ShareGPTTurn{From: TagHuman, Value: text})
			}
		case RoleAssistant:
			// LLaMA-Factory's sharegpt converter wants "human"/"observation" at odd
			// positions and "gpt"/"function_call" at even ones; SplitOpening took the
			// leading assistant messages, so msgs starts with a user or tool turn.
			if last() != TagHuman && last() != TagObservation {
				if last() == "" {
					return nil, nil, nil, fmt.Errorf("conversation starts with an assistant message at position %d", pos)
				}
				return nil, nil, nil, fmt.Errorf("assistant message at position %d follows another one", pos)
			}
			turn, warn, err := assistantTurn(m, pos, named)
			if err != nil {
				return nil, nil, nil, err
			}
			if warn != "" {
				warnings = append(warnings, warn)
			}
			turns = append(turns, turn)
		case RoleTool:
			if last() != TagFunctionCall {
				return nil, nil, nil, fmt.Errorf("tool result at position %d answers no tool call", pos)
			}
			results = append(results, m.Content)
		default:
			return nil, nil, nil, fmt.Errorf("unknown role %q at position %d", m.Role, pos)
		}
	}
	flush()
	return turns, warnings, imgs, nil
}

type shareGPTCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

func assistantTurn(m Message, pos int, named bool) (turn ShareGPTTurn, warning string, err error) {
	if len(m.ToolCalls) == 0 {
		text := speakerText(m, named)
		if text == "" {
			return turn, "", fmt.Errorf("empty assistant message at position %d", pos)
		}
		return ShareGPTTurn{From: TagGPT, Value: text}, "", nil
	}
	calls := make([]shareGPTCall, len(m.ToolCalls))
	for i, tc := range m.ToolCalls {
		args := strings.TrimSpace(tc.Arguments)
		if args == "" {
			args = "{}"
		}
		if tc.Name == "" {
			return turn, "", fmt.Errorf("tool call %d at position %d has no name", i+1, pos)
		}
		if !isJSONObject(args) {
			return turn, "", fmt.Errorf("arguments of tool call %q at position %d are not a JSON object", tc.Name, pos)
		}
		calls[i] = shareGPTCall{Name: tc.Name, Arguments: json.RawMessage(args)}
	}
	var v any = calls
	if len(calls) == 1 {
		v = calls[0]
	}
	b, err := marshalNoEscape(v)
	if err != nil {
		return turn, "", fmt.Errorf("encode tool calls at position %d: %w", pos, err)
	}
	if strings.TrimSpace(m.Content) != "" {
		warning = fmt.Sprintf("text beside the tool calls at position %d was dropped", pos)
	}
	return ShareGPTTurn{From: TagFunctionCall, Value: string(b)}, warning, nil
}

// shareGPTTools is the tools column of a ShareGPT record: the definitions in the
// target schema (TargetTools), as LLaMA-Factory's tool formatter reads them.
func shareGPTTools(tools string) (string, error) { return targetToolsJSON(tools) }

func isJSONObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

// marshalNoEscape encodes v as compact JSON without escaping <, > and &, so text
// in datasets reads as written.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
