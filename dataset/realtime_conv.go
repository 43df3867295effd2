package dataset

import (
	"maps"
	"slices"
	"strings"
)

// realtimeConv is a Realtime conversation as the events tell it: its items in
// order, each as far as it is known, and which items were deleted.
type realtimeConv struct {
	order   []*realtimeEntry
	byID    map[string]*realtimeEntry
	deleted map[string]bool
}

// realtimeEntry is one conversation item and what later events said about it.
type realtimeEntry struct {
	item     realtimeItem
	response string      // the response that produced the item; "" when unknown or none
	placed   bool        // an item event put it where it is, not just the end of the list
	done     bool        // item is final: later in-progress snapshots do not replace it
	final    indexedText // part texts by content_index from their done events and input transcriptions
	deltas   indexedText // part texts by content_index from deltas, for parts that never got a done event
	args     strings.Builder
	argsDone bool
}

// place applies an item event (conversation.item.created, .added, .done, or the
// client's conversation.item.create): the item goes after prev when that is known
// and at the end otherwise; an item already placed keeps its position. Only
// creation brings back an item that was deleted.
func (c *realtimeConv) place(it realtimeItem, prev string, create bool) {
	if create {
		delete(c.deleted, it.ID)
	}
	e := c.update(it, "", it.Status != "in_progress")
	if e == nil || e.placed {
		return
	}
	e.placed = true
	if prev == "" {
		return // a new item was appended by update; a known one stays where it is
	}
	if i := c.index(e); i >= 0 {
		c.order = slices.Delete(c.order, i, i+1)
	}
	at := len(c.order)
	if prev == "root" { // the client's way to put an item first
		at = 0
	} else if p := c.byID[prev]; p != nil {
		if i := c.index(p); i >= 0 {
			at = i + 1
		}
	}
	c.order = slices.Insert(c.order, at, e)
}

// update applies a newer snapshot of an item (the one in an item event, an output
// item, or a retrieved item), adding the item at the end when it is new. It
// returns nil for an item that was deleted.
func (c *realtimeConv) update(it realtimeItem, response string, done bool) *realtimeEntry {
	if c.deleted[it.ID] {
		return nil
	}
	e := c.byID[it.ID]
	if e == nil {
		e = c.add(it.ID)
	}
	if done || !e.done {
		e.item, e.done = it, done
	}
	e.response = firstNonEmpty(response, e.response)
	return e
}

// entry returns the item a part event is about, adding it when the stream never
// announced it (as kind, a "message" of role or a "function_call"); nil when id is
// empty or the item was deleted.
func (c *realtimeConv) entry(id, kind, role string) *realtimeEntry {
	if id == "" || c.deleted[id] {
		return nil
	}
	if e := c.byID[id]; e != nil {
		return e
	}
	e := c.add(id)
	e.item = realtimeItem{ID: id, Type: kind, Role: role}
	return e
}

// add appends a new entry. Items without an id cannot be referred to again, so
// they are not indexed.
func (c *realtimeConv) add(id string) *realtimeEntry {
	e := &realtimeEntry{}
	c.order = append(c.order, e)
	if id != "" {
		if c.byID == nil {
			c.byID = map[string]*realtimeEntry{}
		}
		c.byID[id] = e
	}
	return e
}

func (c *realtimeConv) remove(id string) {
	if id == "" {
		return
	}
	if c.deleted == nil {
		c.deleted = map[string]bool{}
	}
	c.deleted[id] = true
	if e := c.byID[id]; e != nil {
		delete(c.byID, id)
		if i := c.index(e); i >= 0 {
			c.order = slices.Delete(c.order, i, i+1)
		}
	}
}

// dropResponse leaves out the items a response produced.
func (c *realtimeConv) dropResponse(id string) {
	c.order = slices.DeleteFunc(c.order, func(e *realtimeEntry) bool { return e.response == id })
}

// index finds e in the order, searching from the end where events mostly land.
func (c *realtimeConv) index(e *realtimeEntry) int {
	for i := len(c.order) - 1; i >= 0; i-- {
		if c.order[i] == e {
			return i
		}
	}
	return -1
}

// messages turns the items into messages. An assistant message and the function
// calls after it merge into one message when they come from the same response
// (or when that is not known, as for items the client created), as a Chat
// Completions assistant turn carries text and calls together. Messages with no
// text, such as audio never transcribed, are left out.
func (c *realtimeConv) messages() []Message {
	var (
		msgs     []Message
		open     = -1 // the index in msgs of the assistant message calls merge into
		openResp string
	)
	assistant := func(e *realtimeEntry) *Message {
		if open < 0 || openResp != "" && e.response != "" && openResp != e.response {
			msgs = append(msgs, Message{Role: RoleAssistant})
			open, openResp = len(msgs)-1, e.response
		}
		openResp = firstNonEmpty(openResp, e.response)
		return &msgs[open]
	}
	for _, e := range c.order {
		it := &e.item
		switch {
		case it.Type == "function_call":
			m := assistant(e)
			args := firstNonEmpty(string(it.Arguments), e.args.String())
			m.ToolCalls = append(m.ToolCalls, ToolCall{ID: it.CallID, Name: it.Name, Arguments: args})
		case it.Type == "function_call_output":
			text, media, err := responsesToolOutput(it.Output)
			if err != nil {
				text = string(it.Output)
			}
			msgs, open = append(msgs, Message{Role: RoleTool, Content: text, Media: media, ToolCallID: it.CallID}), -1
		case it.Type == "message" || it.Type == "" && it.Role != "":
			role := openaiRole(it.Role)
			text, media := e.content()
			if role != RoleAssistant {
				open = -1 // even when left out: a turn was taken
				if text != "" || len(media) > 0 {
					msgs = append(msgs, Message{Role: role, Content: text, Media: media})
				}
				continue
			}
			if text == "" && len(media) == 0 {
				continue
			}
			m := assistant(e)
			m.Content = joinText(m.Content, text, "\n")
			m.Media = append(m.Media, media...)
		}
	}
	return msgs
}

// content joins the texts of the item's parts with "\n": the text or transcript
// the item carries, else the part's done event or input transcription, else its
// deltas. Images become Media; audio bytes are never kept.
func (e *realtimeEntry) content() (string, []Media) {
	parts := e.item.Content
	idx := map[int]bool{}
	for i := range parts {
		idx[i] = true
	}
	for i := range e.final {
		idx[i] = true
	}
	for i := range e.deltas {
		idx[i] = true
	}
	var (
		texts []string
		media []Media
	)
	for _, i := range slices.Sorted(maps.Keys(idx)) {
		var text string
		if i >= 0 && i < len(parts) {
			p := parts[i]
			if p.Type == "input_image" {
				if p.ImageURL != "" {
					media = append(media, mediaFromURL("image", p.ImageURL))
				}
				continue
			}
			text = firstNonEmpty(p.Text, p.Transcript)
		}
		if b := e.final[i]; text == "" && b != nil {
			text = b.String()
		}
		if b := e.deltas[i]; text == "" && b != nil {
			text = b.String()
		}
		if text != "" {
			texts = append(texts, text)
		}
	}
	return strings.Join(texts, "\n"), media
}
