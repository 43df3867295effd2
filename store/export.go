package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/llmtap/llmtap/dataset"
)

// ExportFilter chooses the conversations an export takes. The zero value takes every
// conversation that is not rejected.
type ExportFilter struct {
	// Statuses to take; empty → unreviewed and confirmed.
	Statuses []dataset.Status
}

// EachConversation calls fn with every conversation the filter takes, oldest first,
// each with its chosen path. It reads a snapshot of the matching IDs first and then
// one conversation at a time, so memory stays flat and the capture writer is never
// blocked for long. fn's error stops the walk and is returned as is.
func (db *DB) EachConversation(ctx context.Context, f ExportFilter, fn func(dataset.Conversation) error) error {
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []dataset.Status{dataset.StatusUnreviewed, dataset.StatusConfirmed}
	}
	args := make([]any, len(statuses))
	for i, s := range statuses {
		if !s.Valid() {
			return fmt.Errorf("status %q: must be unreviewed, confirmed or rejected", s)
		}
		args[i] = string(s)
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id FROM conversations
		WHERE head_id IS NOT NULL AND status IN (?`+strings.Repeat(", ?", len(args)-1)+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return fmt.Errorf("list conversations for export: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("list conversations for export: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list conversations for export: %w", err)
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

// dataset turns a stored conversation into the dataset model.
func (d *Detail) dataset() dataset.Conversation {
	c := dataset.Conversation{
		ID: d.ID, Title: d.Title, Status: d.Status, Model: d.Model, Tools: d.Tools,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		Messages: make([]dataset.Message, len(d.Messages)),
	}
	for i, m := range d.Messages {
		c.Messages[i] = m.Message
	}
	return c
}
