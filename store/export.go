package store

import (
	"context"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// ExportFilter chooses the conversations an export takes. The zero value takes every
// conversation that is not rejected.
type ExportFilter struct {
	// Statuses to take; empty → List.Status when that is set, else unreviewed and
	// confirmed.
	Statuses []dataset.Status
	// List narrows the export with the conversation list's filters (search, tags,
	// model, …), so an export takes what the list shows; its paging and sort are
	// ignored.
	List ListOptions
}

// EachConversation calls fn with every conversation the filter takes, oldest first,
// each with its chosen path and a person's changes applied (Detail.dataset). It
// reads a snapshot of the matching IDs first and then one conversation at a time,
// so memory stays flat and the capture writer is never blocked for long. fn's error
// stops the walk and is returned as is; a filter that does not fit wraps ErrInvalid.
func (db *DB) EachConversation(ctx context.Context, f ExportFilter, fn func(dataset.Conversation) error) error {
	ids, err := db.ExportIDs(ctx, f)
	if err != nil {
		return err
	}
	for _, id := range ids {
		d, err := db.Conversation(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(d.dataset()); err != nil {
			return err
		}
	}
	return nil
}

// ExportConversation returns one conversation as an export would take it (the
// person's edits and chosen path, without "don't train" rounds), or an error
// wrapping ErrNotFound.
func (db *DB) ExportConversation(ctx context.Context, id int64) (dataset.Conversation, error) {
	d, err := db.conversation(ctx, id, false)
	if err != nil {
		return dataset.Conversation{}, err
	}
	return d.dataset(), nil
}

// ExportConversationMasked is ExportConversation for a format that can mark a turn
// not to train on: the rounds of answers marked "don't train" stay, those answers
// with NoTrain set.
func (db *DB) ExportConversationMasked(ctx context.Context, id int64) (dataset.Conversation, error) {
	d, err := db.conversation(ctx, id, false)
	if err != nil {
		return dataset.Conversation{}, err
	}
	c := d.dataset()
	c.Messages = maskedMessages(d.Messages)
	return c, nil
}

// ExportIDs returns the IDs of the conversations the filter takes, oldest first: the
// walk of EachConversation and EachPreferencePair, for callers that report progress.
func (db *DB) ExportIDs(ctx context.Context, f ExportFilter) ([]int64, error) {
	items, err := db.ExportItems(ctx, f)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids, nil
}

// ExportItem is a conversation an export takes and its revision, which changes
// whenever what an export makes of it can change (migration 0009): its turns, its
// chosen path, a person's edits and marks; not its status, note or tags.
type ExportItem struct {
	ID       int64
	Revision int64
}

// ExportItems is ExportIDs with each conversation's revision.
func (db *DB) ExportItems(ctx context.Context, f ExportFilter) ([]ExportItem, error) {
	statuses := f.Statuses
	if len(statuses) == 0 && f.List.Status == "" {
		statuses = []dataset.Status{dataset.StatusUnreviewed, dataset.StatusConfirmed}
	}
	sel, err := db.selection(ctx, f.List)
	if err != nil {
		return nil, err
	}
	args, in := sel.args, ""
	for i, s := range statuses {
		if !s.Valid() {
			return nil, fmt.Errorf("status %q: %w: must be unreviewed, confirmed or rejected", s, ErrInvalid)
		}
		args = append(args, string(s))
		if i > 0 {
			in += ", "
		}
		in += "?"
	}
	if in != "" {
		in = " AND c.status IN (" + in + ")"
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT c.id, c.revision FROM conversations c WHERE `+sel.where+in+
		` ORDER BY c.created_at, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list conversations for export: %w", err)
	}
	defer rows.Close()
	var items []ExportItem
	for rows.Next() {
		var it ExportItem
		if err := rows.Scan(&it.ID, &it.Revision); err != nil {
			return nil, fmt.Errorf("list conversations for export: %w", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list conversations for export: %w", err)
	}
	return items, nil
}

// dataset turns a reviewed conversation into the dataset model: the person's text
// and chosen path, without the rounds of answers marked "don't train"
// (trainingMessages).
func (d *Detail) dataset() dataset.Conversation {
	return dataset.Conversation{
		ID: d.ID, Title: d.Title, Status: d.Status, Model: d.Model, Tools: d.Tools,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Score: d.Score,
		Messages: trainingMessages(d.Messages),
	}
}
