package dataset

import (
	"encoding/json"
	"fmt"
)

// FormatPreferenceJSONL is one preference pair per line in the conversational
// preference layout of TRL's DPOTrainer (and ORPO, CPO, reward modelling) and
// axolotl's chat_template DPO: "prompt" messages, "chosen" and "rejected" lists
// of one assistant message, "tools" as a JSON string.
const FormatPreferenceJSONL ExportFormat = "preference-jsonl"

// PreferenceMessagesRecord is one line of a FormatPreferenceJSONL file.
type PreferenceMessagesRecord struct {
	Prompt   []MessagesMessage `json:"prompt" parquet:"prompt,list"`
	Chosen   []MessagesMessage `json:"chosen" parquet:"chosen,list"`
	Rejected []MessagesMessage `json:"rejected" parquet:"rejected,list"`
	Tools    string            `json:"tools,omitempty" parquet:"tools,optional"`
}

func convertPreferenceMessages(p PreferencePair, opt ShareGPTOptions) (converted, error) {
	prompt, chosen, rejected, tools, err := pairChat(p, opt, true)
	if err != nil {
		return converted{}, err
	}
	rec := &PreferenceMessagesRecord{}
	if rec.Tools, err = toolsString(tools); err != nil {
		return converted{}, err
	}
	for _, m := range prompt {
		rec.Prompt = append(rec.Prompt, messagesMessage(m, false))
	}
	rec.Chosen = []MessagesMessage{messagesMessage(chosen, false)}
	rec.Rejected = []MessagesMessage{messagesMessage(rejected, false)}
	if err := checkedRecord(rec, validatePreferenceMessages); err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: prompt[0].role == RoleSystem, tools: rec.Tools != ""}, nil
}

// ValidatePreferenceMessages checks one line of a FormatPreferenceJSONL file
// against what TRL's DPOTrainer and axolotl read: "prompt" is a list of messages
// that ValidateMessages would take with an answer after them, ending with a user
// or tool message; "chosen" and "rejected" are one assistant message each and
// differ; "tools", when set, a string holding a JSON array of functions.
func ValidatePreferenceMessages(line []byte) error {
	return invalidRecord(validatePreferenceMessages(line))
}

func validatePreferenceMessages(line []byte) error {
	var rec struct {
		Prompt   []json.RawMessage `json:"prompt"`
		Chosen   []json.RawMessage `json:"chosen"`
		Rejected []json.RawMessage `json:"rejected"`
		Tools    json.RawMessage   `json:"tools"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("not a JSON record: %w", err)
	}
	return validatePair("prompt", rec.Prompt, rec.Tools, validateMessages,
		namedMessages{"chosen", rec.Chosen}, namedMessages{"rejected", rec.Rejected})
}
