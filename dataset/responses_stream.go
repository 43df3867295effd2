package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// responsesResponse is a Response object: the whole non-stream body, or the
// "response" of a stream's response.created and terminal events.
type responsesResponse struct {
	ID                string          `json:"id"`
	Model             string          `json:"model"`
	Status            string          `json:"status"` // completed, incomplete, failed, cancelled, queued, in_progress
	Output            []responsesItem `json:"output"`
	Usage             *responsesUsage `json:"usage"`
	Error             json.RawMessage `json:"error"`
	IncompleteDetails *struct {
		Reason string `json:"reason"` // "max_output_tokens" or "content_filter"
	} `json:"incomplete_details"`
}

type responsesUsage struct {
	InputTokens        int                 `json:"input_tokens"`
	OutputTokens       int                 `json:"output_tokens"`
	TotalTokens        int                 `json:"total_tokens"`
	InputTokensDetails *openaiTokenDetails `json:"input_tokens_details"`
	// InputTokenDetails is the Realtime API's spelling of InputTokensDetails.
	InputTokenDetails *openaiTokenDetails `json:"input_token_details"`
}

// cached is the part of InputTokens served from the prompt cache.
func (u *responsesUsage) cached() int {
	for _, d := range []*openaiTokenDetails{u.InputTokensDetails, u.InputTokenDetails} {
		if d != nil {
			return d.CachedTokens
		}
	}
	return 0
}

// responsesEvent holds the fields of the stream events the parser reads; which
// are set depends on Type.
type responsesEvent struct {
	Type         string             `json:"type"`
	Response     *responsesResponse `json:"response"`
	OutputIndex  *int               `json:"output_index"`
	ItemID       string             `json:"item_id"`
	ContentIndex int                `json:"content_index"`
	SummaryIndex int                `json:"summary_index"`
	Item         *responsesItem     `json:"item"`
	Delta        string             `json:"delta"`
	Text         string             `json:"text"`
	Refusal      string             `json:"refusal"`
	Arguments    string             `json:"arguments"`
	Input        string             `json:"input"`
}

// parseResponsesBody fills the answer of r from a Response object or an event stream.
func parseResponsesBody(r *Round, body []byte) error {
	switch shape, body := classifyResponse(r, body); shape {
	case shapeObject:
		var resp responsesResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			if objectCut(r, body) {
				return nil
			}
			return fmt.Errorf("decode openai responses response: %w: %w", ErrMalformed, err)
		}
		return applyResponse(r, &resp, nil)
	case shapeStream:
		return parseResponsesStream(r, body)
	}
	return nil
}

// applyResponse fills r from a finished Response object. When the object lists no
// output (as the Codex backend's terminal event does), the items rebuilt from the
// stream's deltas stand in.
func applyResponse(r *Round, resp *responsesResponse, rebuilt []responsesItem) error {
	if hasError(resp.Error) || resp.Status == "failed" {
		raw := resp.Error
		if !hasError(raw) {
			raw = json.RawMessage(`"response failed"`)
		}
		return apiError("openai responses response", raw)
	}
	if resp.ID != "" {
		r.ResponseID = resp.ID
	}
	if r.Model == "" {
		r.Model = resp.Model
	}
	output := resp.Output
	if len(output) == 0 {
		output = rebuilt
	}
	if err := setResponsesAnswer(r, output); err != nil {
		return err
	}
	switch resp.Status {
	case "completed", "":
		r.FinishReason = "stop"
		if len(r.Answers) > 0 && len(r.Answers[0].ToolCalls) > 0 {
			r.FinishReason = "tool_calls"
		}
	case "incomplete":
		var reason string
		if d := resp.IncompleteDetails; d != nil {
			reason = d.Reason
		}
		r.FinishReason = incompleteFinish(reason)
	case "queued", "in_progress":
		r.Incomplete = true // a background response: the answer is not in this body
	default:
		r.FinishReason = resp.Status // "cancelled"
	}
	if u := resp.Usage; u != nil {
		r.Usage = Usage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.TotalTokens,
			CachedTokens: u.cached()}
	}
	return nil
}

// setResponsesAnswer merges the output items into one answer; nothing is added
// when they hold nothing.
func setResponsesAnswer(r *Round, output []responsesItem) error {
	msgs, err := responsesMessages(output)
	if err != nil {
		return fmt.Errorf("decode openai responses output: %w", err)
	}
	var answer Message
	found := false
	for _, m := range msgs {
		if m.Role != RoleAssistant {
			continue // an output holds only assistant items; skip anything else
		}
		if !found {
			answer, found = m, true
			continue
		}
		answer.Content = joinText(answer.Content, m.Content, "\n")
		answer.Reasoning = joinText(answer.Reasoning, m.Reasoning, "\n\n")
		answer.RedactedReasoning = joinText(answer.RedactedReasoning, m.RedactedReasoning, "\n")
		answer.Media = append(answer.Media, m.Media...)
		answer.ToolCalls = append(answer.ToolCalls, m.ToolCalls...)
	}
	if found {
		r.Answers = append(r.Answers[:0], answer)
	}
	return nil
}

func parseResponsesStream(r *Round, body []byte) error {
	var (
		s        responsesStream
		terminal *responsesResponse
		lost     bool // an event could not be read, so something is missing
		failed   error
	)
	n := eachSSE(body, func(event, data []byte) bool {
		data = bytes.TrimSpace(data)
		if len(data) == 0 || string(data) == "[DONE]" {
			return true // some compatible servers end with [DONE] anyway
		}
		var head struct {
			Type  string          `json:"type"`
			Error json.RawMessage `json:"error"`
		}
		if json.Unmarshal(data, &head) != nil {
			lost = true
			return true
		}
		typ := head.Type
		if typ == "" {
			typ = string(event)
		}
		if typ == "error" {
			if !hasError(head.Error) {
				// The usual form puts code and message at the top, beside "type".
				var e struct {
					Code    any    `json:"code"`
					Message string `json:"message"`
				}
				json.Unmarshal(data, &e)
				head.Error, _ = json.Marshal(e)
			}
			failed = apiError("openai responses stream", head.Error)
			return false
		}
		if !responsesAnswerEvent(typ) {
			return true // events that carry nothing kept here (in_progress, web search, ...)
		}
		var e responsesEvent
		if json.Unmarshal(data, &e) != nil {
			lost = true
			return true
		}
		switch typ {
		case "response.created", "response.queued":
			if e.Response != nil {
				r.ResponseID = firstNonEmpty(r.ResponseID, e.Response.ID)
				r.Model = firstNonEmpty(r.Model, e.Response.Model)
			}
		case "response.completed", "response.incomplete", "response.failed":
			if e.Response != nil {
				terminal = e.Response
			} else {
				terminal = &responsesResponse{Status: strings.TrimPrefix(typ, "response.")}
			}
		default:
			s.add(typ, &e)
		}
		return true
	})
	if n == 0 {
		return fmt.Errorf("decode openai responses response %.20q: neither JSON nor an event stream: %w", body, ErrMalformed)
	}
	if failed != nil {
		return failed
	}
	rebuilt := s.rebuild()
	if terminal == nil {
		if err := setResponsesAnswer(r, rebuilt); err != nil {
			return err
		}
		r.Incomplete = true
		return nil
	}
	if err := applyResponse(r, terminal, rebuilt); err != nil {
		return err
	}
	r.Incomplete = r.Incomplete || lost
	return nil
}

// responsesAnswerEvent tells whether a stream event carries part of the answer;
// the others (in_progress, content_part.added, web search progress, ...) are skipped.
func responsesAnswerEvent(typ string) bool {
	switch typ {
	case "response.created", "response.queued",
		"response.completed", "response.incomplete", "response.failed",
		"response.output_item.added", "response.output_item.done",
		"response.output_text.delta", "response.output_text.done",
		"response.refusal.delta", "response.refusal.done",
		"response.function_call_arguments.delta", "response.function_call_arguments.done",
		"response.custom_tool_call_input.delta", "response.custom_tool_call_input.done",
		"response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
		"response.reasoning_text.delta", "response.reasoning_text.done":
		return true
	}
	return false
}

// incompleteFinish is the finish reason of a response with status "incomplete" (the
// Responses and Realtime APIs), as Chat Completions says it: the stated reason,
// "length" for the token limit, "incomplete" when none was given.
func incompleteFinish(reason string) string {
	switch reason {
	case "":
		return "incomplete"
	case "max_output_tokens":
		return "length"
	}
	return reason
}
