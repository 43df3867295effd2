package dataset

import (
	"cmp"
	"encoding/json"
)

// clientEvent reads one client event; it returns false for a line that is not one.
func (s *realtimeState) clientEvent(typ string, line []byte) bool {
	switch typ {
	case "":
		return false
	case "session.update", "conversation.item.create", "conversation.item.delete":
	default:
		return true // response.create, input_audio_buffer.commit, ...: nothing to keep
	}
	var e realtimeEvent
	if json.Unmarshal(line, &e) != nil {
		return false
	}
	switch typ {
	case "session.update":
		if ss := e.Session; ss != nil {
			s.clientModel = firstNonEmpty(ss.Model, s.clientModel)
			s.instructions = cmp.Or(ss.Instructions, s.instructions)
			s.tools = cmp.Or(sessionTools(ss.Tools), s.tools)
		}
	case "conversation.item.create":
		if e.Item != nil {
			s.client.place(*e.Item, e.PreviousItemID, true)
		}
	case "conversation.item.delete":
		s.client.remove(e.ItemID)
	}
	return true
}

// serverEvent reads one server event; it returns false for a line that is not one.
func (s *realtimeState) serverEvent(typ string, line []byte) bool {
	if typ == "" {
		// Not an event: maybe the {"error": ...} body of a refused upgrade.
		var body struct {
			Error json.RawMessage `json:"error"`
		}
		if json.Unmarshal(line, &body) != nil || !hasError(body.Error) {
			return false
		}
		s.fail(body.Error)
		return true
	}
	if !realtimeServerRead(typ) {
		return true
	}
	var e realtimeEvent
	if json.Unmarshal(line, &e) != nil {
		return false
	}
	switch typ {
	case "error":
		if !hasError(e.Error) {
			e.Error = line
		}
		s.fail(e.Error)
	case "session.created", "session.updated":
		if ss := e.Session; ss != nil {
			if typ == "session.created" {
				s.created = ss.Instructions
			} else {
				s.updated = cmp.Or(ss.Instructions, s.updated)
			}
			s.serverModel = firstNonEmpty(ss.Model, s.serverModel)
			s.serverTools = cmp.Or(sessionTools(ss.Tools), s.serverTools)
		}
	case "conversation.item.created", "conversation.item.added", "conversation.item.done":
		if e.Item != nil {
			s.server.place(*e.Item, e.PreviousItemID, typ != "conversation.item.done")
		}
	case "conversation.item.retrieved":
		if e.Item != nil {
			s.server.update(*e.Item, "", true)
		}
	case "conversation.item.deleted":
		s.server.remove(e.ItemID)
	case "response.created":
		s.pending, s.last = true, ""
		if r := e.Response; r != nil {
			s.last = r.ID
			if r.outOfBand() && r.ID != "" { // events of no response have no id either
				if s.outOfBand == nil {
					s.outOfBand = map[string]bool{}
				}
				s.outOfBand[r.ID] = true
				break
			}
		}
	case "response.done":
		if r := e.Response; r == nil || r.ID == "" || s.last == "" || r.ID == s.last {
			s.pending = false
		}
		if e.Response != nil {
			s.responseDone(e.Response)
		}
	case "response.output_item.added", "response.output_item.done":
		if e.Item != nil && !s.outOfBand[e.ResponseID] {
			s.server.update(*e.Item, e.ResponseID, typ == "response.output_item.done")
		}
	default:
		s.partEvent(typ, &e)
	}
	return true
}

// partEvent reads an event about part of an item: a delta, a part's done event, an
// input audio transcription.
func (s *realtimeState) partEvent(typ string, e *realtimeEvent) {
	if s.outOfBand[e.ResponseID] {
		return
	}
	kind, role := "message", "assistant"
	switch typ {
	case "response.function_call_arguments.delta", "response.function_call_arguments.done":
		kind, role = "function_call", ""
	case "conversation.item.input_audio_transcription.delta", "conversation.item.input_audio_transcription.completed":
		role = "user"
	}
	it := s.server.entry(e.ItemID, kind, role)
	if it == nil {
		return
	}
	switch typ {
	case "response.text.delta", "response.output_text.delta",
		"response.audio_transcript.delta", "response.output_audio_transcript.delta",
		"conversation.item.input_audio_transcription.delta":
		it.deltas.add(e.ContentIndex, e.Delta, false)
	case "response.text.done", "response.output_text.done":
		it.final.add(e.ContentIndex, e.Text, true)
	case "response.audio_transcript.done", "response.output_audio_transcript.done",
		"conversation.item.input_audio_transcription.completed":
		it.final.add(e.ContentIndex, e.Transcript, true)
	case "response.content_part.done":
		if p := e.Part; p != nil && firstNonEmpty(p.Text, p.Transcript) != "" {
			it.final.add(e.ContentIndex, firstNonEmpty(p.Text, p.Transcript), true)
		}
	case "response.function_call_arguments.delta", "response.function_call_arguments.done":
		if typ == "response.function_call_arguments.done" {
			it.args.Reset()
			it.argsDone = true
		} else if it.argsDone {
			return
		}
		it.args.WriteString(firstNonEmpty(e.Delta, e.Arguments))
		it.item.CallID = firstNonEmpty(it.item.CallID, e.CallID)
		it.item.Name = firstNonEmpty(it.item.Name, e.Name)
	}
}

// realtimeServerRead tells whether the parser reads a server event; the others
// (input_audio_buffer.*, rate_limits.updated, output_audio_buffer.*, ...) carry
// nothing kept.
func realtimeServerRead(typ string) bool {
	switch typ {
	case "error", "session.created", "session.updated",
		"conversation.item.created", "conversation.item.added", "conversation.item.done",
		"conversation.item.retrieved", "conversation.item.deleted",
		"conversation.item.input_audio_transcription.delta", "conversation.item.input_audio_transcription.completed",
		"response.created", "response.done", "response.output_item.added", "response.output_item.done",
		"response.content_part.done",
		"response.text.delta", "response.text.done", "response.output_text.delta", "response.output_text.done",
		"response.audio_transcript.delta", "response.audio_transcript.done",
		"response.output_audio_transcript.delta", "response.output_audio_transcript.done",
		"response.function_call_arguments.delta", "response.function_call_arguments.done":
		return true
	}
	return false
}

// responseDone reads a finished response: its usage always (out-of-band responses
// are billed too), its output and status only when it is part of the conversation.
func (s *realtimeState) responseDone(r *realtimeResponse) {
	if u := r.Usage; u != nil {
		s.usage.PromptTokens += u.InputTokens
		s.usage.CompletionTokens += u.OutputTokens
		s.usage.TotalTokens += u.TotalTokens
		s.usage.CachedTokens += u.cached()
	}
	if r.Status == "failed" {
		raw := json.RawMessage(`"response failed"`)
		if d := r.StatusDetails; d != nil && hasError(d.Error) {
			raw = d.Error
		}
		s.fail(raw)
	}
	if r.outOfBand() || s.outOfBand[r.ID] {
		return
	}
	for _, it := range r.Output {
		s.server.update(it, r.ID, true)
	}
	s.finish = r.Status // cancelled, failed
	switch r.Status {
	case "completed":
		s.finish = "stop"
	case "incomplete":
		var reason string
		if d := r.StatusDetails; d != nil {
			reason = d.Reason
		}
		s.finish = incompleteFinish(reason)
	}
}

func (s *realtimeState) fail(raw json.RawMessage) {
	if s.upstream == nil {
		s.upstream = raw
	}
}
