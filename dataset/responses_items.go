package dataset

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// responsesStream rebuilds the output items of a streamed response from its
// events, for when the terminal event lists no output or never came.
type responsesStream struct {
	items map[int]*streamItem // by output_index
	byID  map[string]int      // output_index by item id, for events without one
	last  int                 // the output_index of the latest item
}

// streamItem is one output item as far as the stream has told it.
type streamItem struct {
	item      responsesItem // from output_item.added, replaced by output_item.done
	done      bool
	text      indexedText // message text parts by content_index
	args      strings.Builder
	argsDone  bool
	summary   indexedText // reasoning summary parts by summary_index
	reasoning indexedText // reasoning text parts by content_index
}

// indexedText gathers text parts that arrive by index.
type indexedText map[int]*strings.Builder

func (t *indexedText) add(i int, s string, replace bool) {
	if *t == nil {
		*t = indexedText{}
	}
	b := (*t)[i]
	if b == nil {
		b = new(strings.Builder)
		(*t)[i] = b
	}
	if replace {
		b.Reset()
	}
	b.WriteString(s)
}

// parts returns the texts as parts of type typ, ordered by index.
func (t indexedText) parts(typ string) []responsesPart {
	var out []responsesPart
	for _, i := range slices.Sorted(maps.Keys(t)) {
		out = append(out, responsesPart{Type: typ, Text: t[i].String()})
	}
	return out
}

// at finds the item an event is about: by output_index, else by item id, else
// the latest item. kind is the item type to assume when the stream never
// announced the item (some compatible servers skip output_item.added).
func (s *responsesStream) at(e *responsesEvent, kind string) *streamItem {
	if s.items == nil {
		s.items, s.byID = map[int]*streamItem{}, map[string]int{}
	}
	idx, ok := s.last, true
	switch {
	case e.OutputIndex != nil:
		idx = *e.OutputIndex
	case e.ItemID != "":
		idx, ok = s.byID[e.ItemID]
		if !ok {
			idx = len(s.items)
		}
	}
	s.last = idx
	it := s.items[idx]
	if it == nil {
		it = &streamItem{}
		s.items[idx] = it
	}
	if it.item.Type == "" {
		it.item.Type = kind
		if kind == "message" {
			it.item.Role = "assistant"
		}
	}
	if e.ItemID != "" {
		s.byID[e.ItemID] = idx
	}
	return it
}

// add applies one event of type typ.
func (s *responsesStream) add(typ string, e *responsesEvent) {
	switch typ {
	case "response.output_item.added", "response.output_item.done":
		if e.Item == nil {
			return
		}
		if e.ItemID == "" {
			e.ItemID = e.Item.ID
		}
		it := s.at(e, e.Item.Type)
		if typ == "response.output_item.done" || !it.done {
			it.item = *e.Item
			it.done = typ == "response.output_item.done"
		}
	case "response.output_text.delta", "response.output_text.done":
		text := firstNonEmpty(e.Delta, e.Text)
		s.at(e, "message").text.add(e.ContentIndex, text, typ == "response.output_text.done")
	case "response.refusal.delta", "response.refusal.done":
		text := firstNonEmpty(e.Delta, e.Refusal)
		s.at(e, "message").text.add(e.ContentIndex, text, typ == "response.refusal.done")
	case "response.function_call_arguments.delta", "response.custom_tool_call_input.delta":
		it := s.at(e, "function_call")
		if !it.argsDone {
			it.args.WriteString(e.Delta)
		}
	case "response.function_call_arguments.done", "response.custom_tool_call_input.done":
		it := s.at(e, "function_call")
		it.args.Reset()
		it.args.WriteString(firstNonEmpty(e.Arguments, e.Input))
		it.argsDone = true
	case "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done":
		text := firstNonEmpty(e.Delta, e.Text)
		s.at(e, "reasoning").summary.add(e.SummaryIndex, text, typ == "response.reasoning_summary_text.done")
	case "response.reasoning_text.delta", "response.reasoning_text.done":
		text := firstNonEmpty(e.Delta, e.Text)
		s.at(e, "reasoning").reasoning.add(e.ContentIndex, text, typ == "response.reasoning_text.done")
	}
}

// rebuild returns the items in output order: those the stream finished as sent in
// output_item.done, the others put together from their deltas.
func (s *responsesStream) rebuild() []responsesItem {
	var out []responsesItem
	for _, idx := range slices.Sorted(maps.Keys(s.items)) {
		it := s.items[idx]
		item := it.item
		if !it.done {
			switch item.Type {
			case "message":
				item.Content = marshalParts(it.text.parts("output_text"))
			case "function_call":
				item.Arguments = openaiArgs(it.args.String())
			case "custom_tool_call":
				item.Input = it.args.String()
			case "reasoning":
				item.Summary = it.summary.parts("summary_text")
				item.Content = marshalParts(it.reasoning.parts("reasoning_text"))
			}
		}
		out = append(out, item)
	}
	return out
}

func marshalParts(parts []responsesPart) json.RawMessage {
	if len(parts) == 0 {
		return nil
	}
	b, err := json.Marshal(parts)
	if err != nil {
		return nil // cannot happen: parts hold only strings
	}
	return b
}
