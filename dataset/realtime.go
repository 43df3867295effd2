package dataset

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
)

// The OpenAI Realtime API (GET /v1/realtime, Azure's /openai/realtime) is a
// WebSocket session. llmtap records it as one exchange: the request body holds the
// client's events and the response body the server's, one JSON event per line as
// sent, minus the audio chunks (see RealtimeRecordable). Both the beta event names
// (gpt-4o-realtime-preview) and the GA ones (gpt-realtime, 2025) are read:
// https://platform.openai.com/docs/api-reference/realtime-server-events

// realtimeSession is the session of session.update, session.created and
// session.updated; a session.update sets only the fields it holds.
type realtimeSession struct {
	Model        string          `json:"model"`
	Instructions *string         `json:"instructions"` // nil when the event does not set them
	Tools        json.RawMessage `json:"tools"`
}

// realtimeItem is a conversation item. Which fields are used depends on Type:
// "message", "function_call" or "function_call_output"; other types (MCP calls
// and approvals) are skipped.
type realtimeItem struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Status    string          `json:"status"` // "in_progress" while a response writes it
	Role      string          `json:"role"`
	Content   []realtimePart  `json:"content"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments openaiArgs      `json:"arguments"`
	Output    json.RawMessage `json:"output"` // a string
}

// realtimePart is one part of a message's content. Type is "input_text",
// "input_audio" or "input_image" for the user; "text" and "audio" (beta) or
// "output_text" and "output_audio" (GA) for the assistant. An audio part has a
// transcript, null until the transcription is done; its audio bytes are not read.
type realtimePart struct {
	Type       string `json:"type"`
	Text       string `json:"text"`
	Transcript string `json:"transcript"`
	ImageURL   string `json:"image_url"` // a data: URL
}

// realtimeResponse is the response of response.created and response.done.
type realtimeResponse struct {
	ID string `json:"id"`
	// ConversationID is null for an out-of-band response (response.create with
	// "conversation": "none"), whose output never joins the conversation.
	ConversationID json.RawMessage `json:"conversation_id"`
	Status         string          `json:"status"` // completed, cancelled, failed, incomplete
	StatusDetails  *struct {
		Reason string          `json:"reason"` // turn_detected, client_cancelled, max_output_tokens, content_filter
		Error  json.RawMessage `json:"error"`
	} `json:"status_details"`
	Output []realtimeItem  `json:"output"`
	Usage  *responsesUsage `json:"usage"`
}

func (r *realtimeResponse) outOfBand() bool {
	return bytes.Equal(bytes.TrimSpace(r.ConversationID), []byte("null"))
}

// realtimeEvent holds the fields of the events the parser reads; which are set
// depends on the type.
type realtimeEvent struct {
	Session        *realtimeSession  `json:"session"`
	Item           *realtimeItem     `json:"item"`
	PreviousItemID string            `json:"previous_item_id"`
	ItemID         string            `json:"item_id"`
	ResponseID     string            `json:"response_id"`
	ContentIndex   int               `json:"content_index"`
	Delta          string            `json:"delta"`
	Text           string            `json:"text"`
	Transcript     string            `json:"transcript"`
	CallID         string            `json:"call_id"`
	Name           string            `json:"name"`
	Arguments      string            `json:"arguments"`
	Part           *realtimePart     `json:"part"`
	Response       *realtimeResponse `json:"response"`
	Error          json.RawMessage   `json:"error"`
}

// ParseOpenAIRealtime reads a recorded Realtime API session: clientEvents and
// serverEvents are the events each side sent, one JSON object per line.
//
// The server's item events give the conversation and its order (an item goes after
// its previous_item_id); later events fill in the items (input audio
// transcriptions, finished output items) and deleted items go away. Message items
// become messages whose Content joins their text and audio transcripts, function
// calls become ToolCalls of the assistant message of the same response, and
// function call outputs become tool messages. An item left with no text (audio
// never transcribed) is left out. The instructions the client set with
// session.update are the system message; the server's default instructions are
// not, since the client did not write them. Out-of-band responses are not part of
// the conversation.
//
// A session ends when the person hangs up, mid-answer or after a last word: a
// response that never finished is left out, and the conversation ends at its last
// assistant message, which is the Answer. Usage sums every response.done, and
// FinishReason comes from the last one. Incomplete is set only when the session
// was cut during a response the parser cannot tell apart (one without an id).
//
// When the server told of no items (serverEvents empty, say), the history is the
// items the client created, with no Answer. Errors wrap ErrMalformed when no line
// of a non-empty body can be read (single bad lines are skipped: a cut session may
// end mid-line), or ErrUpstream when the server reported an error and no
// conversation.
func ParseOpenAIRealtime(clientEvents, serverEvents []byte) (*Round, error) {
	var s realtimeState
	if err := readRealtimeEvents(clientEvents, "client", s.clientEvent); err != nil {
		return nil, err
	}
	if err := readRealtimeEvents(serverEvents, "server", s.serverEvent); err != nil {
		return nil, err
	}
	return s.round()
}

// readRealtimeEvents hands each line of body to read, which tells whether it
// could read it. A body that is one JSON value, as the error body of a refused
// WebSocket upgrade may be, is one line however it is indented.
func readRealtimeEvents(body []byte, side string, read func(typ string, line []byte) bool) error {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))
	if len(body) == 0 {
		return nil
	}
	lines := [][]byte{body}
	if !json.Valid(body) {
		lines, _ = ParseNDJSON(body)
	}
	ok := false
	for _, line := range lines {
		if read(realtimeEventType(line), line) {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("decode openai realtime %s events %.20q: no event could be read: %w", side, body, ErrMalformed)
	}
	return nil
}

// realtimeState gathers what the events of both sides say.
type realtimeState struct {
	client, server realtimeConv

	instructions     *string // the last instructions the client set
	created, updated *string // the instructions of session.created and of the latest session.updated
	tools            *string // the last tools the client set, as Round.Tools
	serverTools      *string
	clientModel      string
	serverModel      string

	outOfBand map[string]bool // ids of out-of-band responses
	last      string          // the id of the latest response created
	pending   bool            // the latest response created is not done
	usage     Usage
	finish    string
	upstream  json.RawMessage // the first error the server reported
}

// round puts the Round together once every event has been read.
func (s *realtimeState) round() (*Round, error) {
	r := &Round{
		Dialect:      OpenAIRealtime,
		Model:        firstNonEmpty(s.serverModel, s.clientModel),
		Messages:     []Message{},
		Answers:      []Message{},
		FinishReason: s.finish,
		Usage:        s.usage,
		Stream:       true,
		Incomplete:   s.pending,
	}
	if t := cmp.Or(s.tools, s.serverTools); t != nil {
		r.Tools = *t
	}
	if system := s.system(); system != "" {
		r.Messages = append(r.Messages, Message{Role: RoleSystem, Content: system})
	}
	if len(s.server.order) == 0 && len(s.server.deleted) == 0 {
		// The server told of no conversation: keep the client's side of it.
		if s.upstream != nil {
			return nil, apiError("openai realtime session", s.upstream)
		}
		r.Messages = append(r.Messages, s.client.messages()...)
		return r, nil
	}
	if s.pending && s.last != "" {
		// The session ended during a response (the person hung up mid-answer): that
		// answer is cut, so the conversation is what came before it.
		s.server.dropResponse(s.last)
		r.Incomplete = false
	}
	msgs := s.server.messages()
	if len(msgs) == 0 && s.upstream != nil {
		return nil, apiError("openai realtime session", s.upstream)
	}
	// A session ends when the person hangs up, often after a last word that got no
	// answer: the conversation ends at its last assistant message, the Answer.
	last := len(msgs) - 1
	for last >= 0 && msgs[last].Role != RoleAssistant {
		last--
	}
	if last >= 0 {
		r.Answers = append(r.Answers, msgs[last])
		msgs = msgs[:last]
	}
	r.Messages = append(r.Messages, msgs...)
	if r.FinishReason == "stop" && len(r.Answers) > 0 && len(r.Answers[0].ToolCalls) > 0 {
		r.FinishReason = "tool_calls" // as Chat Completions says it
	}
	return r, nil
}

// system returns the instructions the client set. Without a session.update that
// says, the server's echo in session.updated counts when it differs from the
// default of session.created (the client set them some other way).
func (s *realtimeState) system() string {
	switch {
	case s.instructions != nil:
		return *s.instructions
	case s.updated != nil && (s.created == nil || *s.updated != *s.created):
		return *s.updated
	}
	return ""
}

// sessionTools reads a session's tools as Round.Tools; nil when the session does
// not set them, or sets something that is not a list (which the server refuses).
func sessionTools(raw json.RawMessage) *string {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	tools, err := openaiTools(raw, nil)
	if err != nil {
		return nil
	}
	return &tools
}
