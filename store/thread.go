package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
)

// node is the part of a stored message that threading needs.
type node struct {
	id, conversationID     int64
	key, contentKey        string
	depth, rounds, answers int
	role                   dataset.Role
	isAnswer               bool
	content                string
}

// thread places one round into the conversation tree.
//
// The tree holds only the dialogue turns (dataset.SplitHistory): a frontend that
// rebuilds its system prompt every turn or injects notes into the history still
// continues one conversation, whose prelude (system prompt, example dialogue) is
// replaced by the newest one sent. Each turn's key hashes the turns up to it, so the
// stored prefixes of a history are found by looking its keys up; match decides
// which conversation, if any, the round continues (see there for the rules).
//
// A history that ends in an assistant turn without tool calls may ask the model to
// continue that turn (SillyTavern's Continue, an Anthropic prefill; whether it does
// depends on the API, see dataset.ContinuesLast). Then the answer stored is the
// prefill and its continuation together, a sibling of the partial turn when that
// was stored, and it becomes the head (prepare merges them). A partial answer that
// was stored earlier stays as it was.
//
// What a round costs grows with its new turns, not its history: the keys are
// worked out before the transaction, the lookups use the deepest keys first, and
// the list facts of the path are carried forward from the conversation when the
// round extends its head.
func (w *writer) thread(ctx context.Context, exchangeID int64, host string, at time.Time, p *prepared) error {
	if p.err != nil {
		return p.err
	}
	if p.maybePrefill {
		cont, err := continuesStored(ctx, w.tx, p)
		if err != nil {
			return err
		}
		if cont {
			// On a copy: p may be written again (a batch refused, then written one
			// capture at a time), and decided again then.
			q := *p
			q.continueLast()
			p = &q
		}
	}
	tx, r, turns, answers := w.tx, p.r, p.turns, p.answers
	pl, err := match(ctx, tx, r, turns, p.keys, millis(at))
	if err != nil {
		return err
	}
	if pl.convID != 0 {
		if err := nameAnswers(ctx, tx, pl.convID, turns, p.keys, pl.matched); err != nil {
			return err
		}
	}
	convID := pl.convID
	var old convState
	if convID == 0 {
		// The row gets its revision and cost (no usage yet) here, which spares the
		// insert triggers a rewrite (migration 0019); updateConversation writes the rest.
		res, err := tx.ExecContext(ctx, `INSERT INTO conversations
			(title, model, host, session_id, origin_exchange_id, created_at, updated_at, revision, cost)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, `+nextRevision+`, `+costAt("?2", "0", "0", "0", "0")+`)`,
			p.title, r.Model, host, r.SessionID, exchangeID, millis(at))
		if err != nil {
			return err
		}
		if convID, err = res.LastInsertId(); err != nil {
			return err
		}
	} else if old, err = loadConvState(ctx, tx, convID); err != nil {
		return err
	}

	// grown is the path this round added below pl.parent, while every turn of it is
	// new: then the list facts of the path are the old ones plus these.
	var grown pathFacts
	extends := true
	// A message inserted by this round has no children but the ones it inserts.
	fresh := pl.convID == 0
	parent := pl.parent
	for i := pl.matched; i < len(turns); i++ {
		key := p.turnKey(parent, i)
		var n *node
		if !fresh {
			if n, err = childByKey(ctx, tx, convID, key); err != nil {
				return err
			}
		}
		if n == nil {
			// Only the first new turn can have stored siblings: the rest hang under it.
			edited := false
			if i == pl.matched && pl.convID != 0 {
				if edited, err = hasSibling(ctx, tx, convID, parent, turns[i].Role); err != nil {
					return err
				}
			}
			n, err = insertMessage(ctx, tx, convID, parent, key, turns[i], msgMeta{edited: edited, exchangeID: exchangeID, at: at})
			if err != nil {
				return err
			}
			grown.add(turns[i], "", dataset.Usage{})
			fresh = true
		} else {
			extends = false
		}
		parent = n
	}
	head := parent
	var inserted map[string]*node // answers this round stored under a fresh parent
	usage := true                 // the first answer this exchange stores carries its usage
	for i, answer := range answers {
		key := p.answerKey(parent, i)
		var n *node
		if fresh {
			n = inserted[key]
		} else if n, err = childByKey(ctx, tx, convID, key); err != nil {
			return err
		}
		if n == nil { // an identical answer (a retry) is kept once
			meta := msgMeta{answer: true, responseID: r.ResponseID, exchangeID: exchangeID, at: at,
				contentKey: p.answerContentKeys[i], once: p.answerOnce[i]}
			if i == 0 {
				meta.finish = r.FinishReason
			}
			if usage {
				meta.usage, usage = r.Usage, false
			}
			if n, err = insertMessage(ctx, tx, convID, parent, key, answer, meta); err != nil {
				return err
			}
			if inserted == nil {
				inserted = map[string]*node{}
			}
			inserted[key] = n
			if i == 0 {
				grown.add(answer, meta.finish, meta.usage)
			}
		} else if i == 0 {
			extends = false
		}
		if i == 0 {
			head = n
		}
	}
	if head == nil {
		return nil
	}
	// A person's branch choice or cut decides where the path ends (branch.go); head
	// stays the answer this round carried.
	end := head
	if w.choices {
		if end, err = chosenHead(ctx, tx, convID, head); err != nil {
			return err
		}
	}
	var facts pathFacts
	switch {
	case pl.convID == 0 && end == head:
		facts = grown
	case pl.convID != 0 && end == head && extends && pl.parent != nil && pl.parent.id == old.head:
		facts = old.facts.plus(grown)
	case pl.convID != 0 && end.id == old.head:
		facts = old.facts // the path is what it was (an identical retry of its answer)
	default:
		if facts, err = factsOf(ctx, tx, end.id); err != nil {
			return err
		}
	}
	if err := w.storePrelude(ctx, p, old); err != nil {
		return err
	}
	return updateConversation(ctx, tx, convID, exchangeID, end, p, dataset.Provider(host, r.Dialect), facts, at)
}

// turnKey is the key of turns[i] placed under parent: the prepared one when parent
// is the turn before it (or the root), as it is unless a response id placed it.
func (p *prepared) turnKey(parent *node, i int) string {
	want := ""
	if i > 0 {
		want = p.keys[i-1]
	}
	if parentKey(parent) == want {
		return p.keys[i]
	}
	return dataset.MessageKey(parentKey(parent), p.turns[i])
}

// answerKey is the key of answers[i] under parent, like turnKey.
func (p *prepared) answerKey(parent *node, i int) string {
	want := ""
	if len(p.keys) > 0 {
		want = p.keys[len(p.keys)-1]
	}
	if parentKey(parent) == want {
		return p.answerKeys[i]
	}
	return dataset.MessageKey(parentKey(parent), p.answers[i])
}

// storePrelude stores the prelude and tool list blobs of a round, unless the
// conversation already points at the same ones.
func (w *writer) storePrelude(ctx context.Context, p *prepared, old convState) error {
	if p.preludeHash != "" && p.preludeHash != old.preludeHash {
		for _, m := range p.prelude {
			if _, err := putMedia(ctx, w.tx, m.Media); err != nil {
				return err
			}
		}
		if err := putBlobAs(ctx, w.tx, p.preludeHash, p.preludeJSON); err != nil {
			return err
		}
	}
	if p.toolsHash != "" && p.toolsHash != old.toolsHash {
		return putBlobAs(ctx, w.tx, p.toolsHash, []byte(p.r.Tools))
	}
	return nil
}

// parentKey is the key new turns chain to: the parent's, or "" for a root.
func parentKey(parent *node) string {
	if parent != nil {
		return parent.key
	}
	return ""
}

// childByKey finds the message with the given path key in a conversation, or nil.
func childByKey(ctx context.Context, tx *sql.Tx, convID int64, key string) (*node, error) {
	n := node{conversationID: convID, key: key}
	// Keys are all but unique, while a conversation holds its whole tree: without
	// the hint SQLite walks the conversation's messages (messages_siblings), which
	// made every round cost as much as its history.
	err := tx.QueryRowContext(ctx, `SELECT id, content_key, depth, rounds, answers, role, is_answer
		FROM messages INDEXED BY messages_key WHERE key = ? AND conversation_id = ? LIMIT 1`, key, convID).
		Scan(&n.id, &n.contentKey, &n.depth, &n.rounds, &n.answers, &n.role, &n.isAnswer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// hasSibling reports whether the conversation already holds a message of the given
// role under parent (nil: a root): a new turn there is the client's edit of it.
func hasSibling(ctx context.Context, tx *sql.Tx, convID int64, parent *node, role dataset.Role) (bool, error) {
	q, args := `SELECT 1 FROM messages WHERE parent_id = ? AND role = ? LIMIT 1`, []any{0, string(role)}
	if parent != nil {
		args[0] = parent.id
	} else {
		// Every conversation has roots: look in this one only.
		q = `SELECT 1 FROM messages INDEXED BY messages_conversation
			WHERE conversation_id = ? AND parent_id IS NULL AND role = ? LIMIT 1`
		args[0] = convID
	}
	var one int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// msgMeta is what threading knows about a message beyond its content.
type msgMeta struct {
	answer     bool // carried by a response, not only seen in a history
	edited     bool // a client's changed copy of a stored turn
	finish     string
	responseID string
	exchangeID int64
	at         time.Time
	usage      dataset.Usage // the response's, on the first answer an exchange stores
	contentKey string        // the message's content key when already worked out; "": insertMessage does
	// once, when its length is not 0, says the text is stored once, as answer
	// once.answer of the exchange's response (answertext.go).
	once answerRef
}

func insertMessage(ctx context.Context, tx *sql.Tx, convID int64, parent *node, key string,
	m dataset.Message, meta msgMeta) (*node, error) {
	n := &node{conversationID: convID, key: key, contentKey: meta.contentKey, depth: 1,
		role: m.Role, isAnswer: meta.answer, content: m.Content}
	if n.contentKey == "" {
		n.contentKey = dataset.MessageKey("", m)
	}
	var parentID sql.NullInt64
	if parent != nil {
		parentID = sql.NullInt64{Int64: parent.id, Valid: true}
		n.depth, n.rounds, n.answers = parent.depth+1, parent.rounds, parent.answers
	}
	if m.Role == dataset.RoleAssistant {
		n.rounds++
	}
	if meta.answer {
		n.answers++
	}
	toolCalls, err := jsonOrEmpty(m.ToolCalls, len(m.ToolCalls))
	if err != nil {
		return nil, err
	}
	refs, err := putMedia(ctx, tx, m.Media)
	if err != nil {
		return nil, err
	}
	media, err := jsonOrEmpty(refs, len(refs))
	if err != nil {
		return nil, err
	}
	responseID := ""
	if meta.answer {
		responseID = meta.responseID
	}
	head, rest := splitText(m.Content) // a text of 4 MiB or more goes in parts (textparts.go)
	parts := len(rest)
	if meta.once.length > 0 { // a long answer: its response holds it (answertext.go)
		head, rest, parts = indexedHead(m.Content), nil, -1
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO messages
		(conversation_id, parent_id, key, content_key, depth, rounds, answers, role, content, content_parts, reasoning,
		 tool_calls, tool_call_id, name, media, finish_reason, is_answer, edited_by_client, response_id,
		 exchange_id, created_at, prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
		 content_answer, content_len, content_crc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		convID, parentID, key, n.contentKey, n.depth, n.rounds, n.answers, string(m.Role), head, parts, m.Reasoning,
		toolCalls, m.ToolCallID, m.Name, media, meta.finish, meta.answer, meta.edited, responseID,
		meta.exchangeID, millis(meta.at), meta.usage.PromptTokens, meta.usage.CompletionTokens, usageTotal(meta.usage),
		meta.usage.CachedTokens, meta.usage.CacheWriteTokens,
		meta.once.answer, meta.once.length, int64(meta.once.crc))
	if err != nil {
		return nil, err
	}
	if n.id, err = res.LastInsertId(); err != nil {
		return nil, err
	}
	if err := insertTextParts(ctx, tx, n.id, rest); err != nil {
		return nil, err
	}
	return n, nil
}

// jsonOrEmpty encodes v, or gives "" when it holds n == 0 items.
func jsonOrEmpty(v any, n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// title is a conversation's first user turn, cut to one line of at most 120 characters.
// The <system-reminder> blocks a coding agent (Claude Code) adds to user turns are
// not what the person asked, so they are left out.
func title(turns []dataset.Message) string {
	for _, m := range turns {
		if m.Role != dataset.RoleUser {
			continue
		}
		s := withoutReminders(m.Content)
		// The line of a prefix is a prefix of the whole's line, so the window's is
		// enough once it is longer than a title: a 30 MB turn is not copied whole
		// (several times over) for its first 120 characters.
		t := titleLine(s[:runeStart(s, titleWindow)])
		if len(s) > titleWindow && utf8.RuneCountInString(t) <= titleRunes {
			t = titleLine(s) // a window of markers and space: look at all of it
		}
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > titleRunes {
			t = strings.TrimSpace(t[:runeOffset(t, titleRunes-1)]) + "…"
		}
		return t
	}
	return ""
}

const (
	// titleRunes is the longest title, in characters.
	titleRunes = 120
	// titleWindow is how many bytes of a turn a title is looked for in first.
	titleWindow = 4 << 10
)

// titleLine is s without Markdown emphasis, its spaces collapsed to one line.
func titleLine(s string) string { return strings.Join(strings.Fields(plainTitle(s)), " ") }

// runeStart returns n, or len(s) when shorter, moved back to the start of a rune.
func runeStart(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// runeOffset returns the byte offset of s's n-th rune (len(s) when it has fewer).
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// withoutReminders removes the <system-reminder>...</system-reminder> blocks from s.
func withoutReminders(s string) string {
	const open, closing = "<system-reminder>", "</system-reminder>"
	for {
		i := strings.Index(s, open)
		j := strings.Index(s, closing)
		if i < 0 || j < i {
			return s
		}
		s = s[:i] + s[j+len(closing):]
	}
}
