package app

import (
	"context"
	"net/http"

	"github.com/llmtap/llmtap/store"
)

// handleEdits registers the editing endpoints of docs/api-review.md ("Reading and
// editing a conversation"). Every change is stored against stable identities, so
// it survives `llmtap reindex` (store/branch.go, store/edit.go). Beyond the
// contract, DELETE …/branch and DELETE …/system undo a branch choice and a system
// prompt edit the way DELETE …/cut undoes a cut.
func (a *App) handleEdits(handle func(string, func(*http.Request) (any, error))) {
	handle("PUT /api/messages/{id}", a.apiEditMessage)
	handle("DELETE /api/messages/{id}/edit", a.apiClearEdit)
	handle("PUT /api/messages/{id}/train", a.apiSetTrain)
	handle("PUT /api/messages/{id}/preferred", a.apiSetPreferred)
	handle("PUT /api/messages/{id}/thumb", a.apiSetThumb)
	handle("PUT /api/conversations/{id}/score", a.apiSetScore)
	handle("PUT /api/conversations/{id}/branch", a.apiChoose((*store.DB).SetBranch))
	handle("DELETE /api/conversations/{id}/branch", a.apiUndo((*store.DB).ClearBranch))
	handle("PUT /api/conversations/{id}/cut", a.apiChoose((*store.DB).SetCut))
	handle("DELETE /api/conversations/{id}/cut", a.apiUndo((*store.DB).ClearCut))
	handle("PUT /api/conversations/{id}/system", a.apiSetSystem)
	handle("DELETE /api/conversations/{id}/system", a.apiUndo((*store.DB).ClearSystem))
}

// apiEditMessage answers PUT /api/messages/{id} {"content": "…"} with the Message.
func (a *App) apiEditMessage(r *http.Request) (any, error) {
	id, content, err := idAndContent(r)
	if err != nil {
		return nil, err
	}
	if err := a.db.EditMessage(r.Context(), id, content); err != nil {
		return nil, err
	}
	return a.db.Message(r.Context(), id)
}

// idAndContent reads the {id} of the path and a body {"content": "…"}, which must
// name content (an empty string is a value).
func idAndContent(r *http.Request) (int64, string, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, "", err
	}
	var body struct {
		Content *string `json:"content"`
	}
	if err := readJSON(r, &body); err != nil {
		return 0, "", err
	}
	if body.Content == nil {
		return 0, "", badRequest(`content: missing; the body is {"content": "…"}`)
	}
	return id, *body.Content, nil
}

// apiClearEdit answers DELETE /api/messages/{id}/edit with the Message as captured.
func (a *App) apiClearEdit(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	if err := a.db.ClearEdit(r.Context(), id); err != nil {
		return nil, err
	}
	return a.db.Message(r.Context(), id)
}

// apiSetTrain answers PUT /api/messages/{id}/train {"train": false} with 204.
func (a *App) apiSetTrain(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		Train *bool `json:"train"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Train == nil {
		return nil, badRequest(`train: missing; the body is {"train": true} or {"train": false}`)
	}
	return nil, a.db.SetTrain(r.Context(), id, *body.Train)
}

// apiSetPreferred answers PUT /api/messages/{id}/preferred {} with 204; the body
// {"preferred": false} unmarks the message instead.
func (a *App) apiSetPreferred(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		Preferred *bool `json:"preferred"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	return nil, a.db.SetPreferred(r.Context(), id, body.Preferred == nil || *body.Preferred)
}

// apiChoose makes the handler of a choice that names a message of the conversation
// ({"messageId": n}); it answers with the ConversationDetail after the change.
func (a *App) apiChoose(choose func(*store.DB, context.Context, int64, int64) error) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, err
		}
		var body struct {
			MessageID *int64 `json:"messageId"`
		}
		if err := readJSON(r, &body); err != nil {
			return nil, err
		}
		if body.MessageID == nil || *body.MessageID <= 0 {
			return nil, badRequest(`messageId: missing or not a message id; the body is {"messageId": n}`)
		}
		if err := choose(a.db, r.Context(), id, *body.MessageID); err != nil {
			return nil, err
		}
		return a.db.Conversation(r.Context(), id)
	}
}

// apiUndo makes the handler of an undo that takes no body; it answers with the
// ConversationDetail after the change.
func (a *App) apiUndo(undo func(*store.DB, context.Context, int64) error) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, err
		}
		if err := undo(a.db, r.Context(), id); err != nil {
			return nil, err
		}
		return a.db.Conversation(r.Context(), id)
	}
}

// apiSetSystem answers PUT /api/conversations/{id}/system {"content": "…"} with
// the ConversationDetail. Empty content leaves the system prompt out.
func (a *App) apiSetSystem(r *http.Request) (any, error) {
	id, content, err := idAndContent(r)
	if err != nil {
		return nil, err
	}
	if err := a.db.SetSystem(r.Context(), id, content); err != nil {
		return nil, err
	}
	return a.db.Conversation(r.Context(), id)
}
