package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// AddTag puts the tag called name (created when new) on a conversation. Adding a
// tag it already has is not an error.
func (db *DB) AddTag(ctx context.Context, convID int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("tag conversation %d: empty tag name", convID)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?)`, convID).Scan(&exists); err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	if !exists {
		return fmt.Errorf("conversation %d: %w", convID, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags (name) VALUES (?)`, name); err != nil {
		return fmt.Errorf("create tag %q: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id)
		SELECT ?, id FROM tags WHERE name = ?`, convID, name); err != nil {
		return fmt.Errorf("tag conversation %d with %q: %w", convID, name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	return nil
}

// Tags returns the names of a conversation's tags in name order.
func (db *DB) Tags(ctx context.Context, convID int64) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT t.name FROM tags t JOIN conversation_tags ct ON ct.tag_id = t.id
		WHERE ct.conversation_id = ? ORDER BY t.name`, convID)
	if err != nil {
		return nil, fmt.Errorf("tags of conversation %d: %w", convID, err)
	}
	defer rows.Close()
	names := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("tags of conversation %d: %w", convID, err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// Tag is a label a person puts on conversations.
type Tag struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"` // "#rrggbb"
	Count int    `json:"count"` // conversations carrying it
}

// maxTagName bounds a tag name, in bytes.
const maxTagName = 64

// tagPalette colours a new tag when none is given, chosen by its name so the same
// name gets the same colour in every database.
var tagPalette = []string{"#2da44e", "#0969da", "#8250df", "#bf3989", "#cf222e", "#bc4c00", "#9a6700", "#1b7c83"}

// checkTag trims and checks a tag name and colour; color "" is allowed (keep / pick).
func checkTag(name, color string) (string, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > maxTagName {
		return "", "", fmt.Errorf("name %q: %w tag name: must be 1 to %d bytes", name, ErrInvalid, maxTagName)
	}
	if color == "" {
		return name, "", nil
	}
	if len(color) != 7 || color[0] != '#' || strings.Trim(strings.ToLower(color[1:]), "0123456789abcdef") != "" {
		return "", "", fmt.Errorf("color %q: %w colour: must be #rrggbb", color, ErrInvalid)
	}
	return name, strings.ToLower(color), nil
}

// AllTags lists every tag with how many conversations carry it, by name.
func (db *DB) AllTags(ctx context.Context) ([]Tag, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT t.id, t.name, t.color,
		(SELECT COUNT(*) FROM conversation_tags ct WHERE ct.tag_id = t.id)
		FROM tags t ORDER BY t.name COLLATE NOCASE, t.id`)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	defer rows.Close()
	tags := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name, &t.Color, &t.Count); err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// CreateTag makes a tag. Names are unique regardless of case: a taken one gives an
// error wrapping ErrConflict. color "" picks one from a palette.
func (db *DB) CreateTag(ctx context.Context, name, color string) (Tag, error) {
	name, color, err := checkTag(name, color)
	if err != nil {
		return Tag{}, err
	}
	if color == "" {
		h := 0
		for _, r := range strings.ToLower(name) {
			h = h*31 + int(r)
		}
		color = tagPalette[(h%len(tagPalette)+len(tagPalette))%len(tagPalette)]
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Tag{}, fmt.Errorf("create tag %q: %w", name, err)
	}
	defer tx.Rollback()
	if err := nameFree(ctx, tx, name, 0); err != nil {
		return Tag{}, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO tags (name, color) VALUES (?, ?)`, name, color)
	if err != nil {
		return Tag{}, fmt.Errorf("create tag %q: %w", name, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Tag{}, fmt.Errorf("create tag %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return Tag{}, fmt.Errorf("create tag %q: %w", name, err)
	}
	return Tag{ID: id, Name: name, Color: color}, nil
}

// nameFree reports an error wrapping ErrConflict when a tag other than except is called name.
func nameFree(ctx context.Context, tx *sql.Tx, name string, except int64) error {
	var taken bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tags WHERE name = ? COLLATE NOCASE AND id != ?)`,
		name, except).Scan(&taken); err != nil {
		return fmt.Errorf("look up tag %q: %w", name, err)
	}
	if taken {
		return fmt.Errorf("tag %q already exists: %w", name, ErrConflict)
	}
	return nil
}

// UpdateTag renames and/or recolours a tag; a nil field is left as it is. It returns
// the tag as stored, or an error wrapping ErrNotFound, ErrConflict (name taken) or
// ErrInvalid.
func (db *DB) UpdateTag(ctx context.Context, id int64, name, color *string) (Tag, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Tag{}, fmt.Errorf("update tag %d: %w", id, err)
	}
	defer tx.Rollback()
	t, err := tagByID(ctx, tx, id)
	if err != nil {
		return Tag{}, err
	}
	newName, newColor := t.Name, t.Color
	if name != nil {
		newName = *name
	}
	if color != nil {
		if *color == "" {
			return Tag{}, fmt.Errorf("color \"\": %w colour: must be #rrggbb", ErrInvalid)
		}
		newColor = *color
	}
	if newName, newColor, err = checkTag(newName, newColor); err != nil {
		return Tag{}, err
	}
	if err := nameFree(ctx, tx, newName, id); err != nil {
		return Tag{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tags SET name = ?, color = ? WHERE id = ?`, newName, newColor, id); err != nil {
		return Tag{}, fmt.Errorf("update tag %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Tag{}, fmt.Errorf("update tag %d: %w", id, err)
	}
	t.Name, t.Color = newName, newColor
	return t, nil
}

// tagByID loads a tag with its count, or an error wrapping ErrNotFound.
func tagByID(ctx context.Context, q querier, id int64) (Tag, error) {
	t := Tag{ID: id}
	err := q.QueryRowContext(ctx, `SELECT name, color, (SELECT COUNT(*) FROM conversation_tags WHERE tag_id = ?1)
		FROM tags WHERE id = ?1`, id).Scan(&t.Name, &t.Color, &t.Count)
	if errors.Is(err, sql.ErrNoRows) {
		return Tag{}, fmt.Errorf("tag %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Tag{}, fmt.Errorf("load tag %d: %w", id, err)
	}
	return t, nil
}

// DeleteTag deletes a tag, taking it off every conversation, or returns an error
// wrapping ErrNotFound.
func (db *DB) DeleteTag(ctx context.Context, id int64) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM tags WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete tag %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("tag %d: %w", id, ErrNotFound)
	}
	return nil
}

// ChangeTags puts the tags add on a conversation and takes the tags remove off, in
// one transaction. Adding a tag it has, or removing one it lacks, is not an error;
// an unknown conversation or tag id is (wrapping ErrNotFound), and changes nothing.
func (db *DB) ChangeTags(ctx context.Context, convID int64, add, remove []int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	defer tx.Rollback()
	if err := conversationExists(ctx, tx, convID); err != nil {
		return err
	}
	for _, id := range append(append([]int64{}, add...), remove...) {
		if _, err := tagByID(ctx, tx, id); err != nil {
			return err
		}
	}
	for _, id := range add {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id) VALUES (?, ?)`,
			convID, id); err != nil {
			return fmt.Errorf("tag conversation %d with %d: %w", convID, id, err)
		}
	}
	for _, id := range remove {
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_tags WHERE conversation_id = ? AND tag_id = ?`,
			convID, id); err != nil {
			return fmt.Errorf("untag conversation %d from %d: %w", convID, id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	return nil
}

// conversationExists returns an error wrapping ErrNotFound unless the conversation
// exists and has a head (is listed).
func conversationExists(ctx context.Context, q querier, id int64) error {
	var ok bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ? AND head_id IS NOT NULL)`,
		id).Scan(&ok); err != nil {
		return fmt.Errorf("look up conversation %d: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return nil
}

// pageTags fills the Tags of a page of summaries with two queries, whatever its size.
func (db *DB) pageTags(ctx context.Context, items []Summary) error {
	for i := range items {
		items[i].Tags = []Tag{} // JSON [] rather than null for an untagged conversation
	}
	if len(items) == 0 {
		return nil
	}
	ids := make([]int64, len(items))
	at := map[int64]int{}
	for i, s := range items {
		ids[i], at[s.ID] = s.ID, i
	}
	// Each tag's count is taken once, not once per conversation that carries it.
	rows, err := db.sql.QueryContext(ctx, `WITH
		pt AS MATERIALIZED (SELECT conversation_id AS cid, tag_id AS tid FROM conversation_tags
			WHERE conversation_id IN (SELECT value FROM json_each(?))),
		counts AS MATERIALIZED (SELECT tag_id AS tid, COUNT(*) AS n FROM conversation_tags
			WHERE tag_id IN (SELECT tid FROM pt) GROUP BY tag_id)
		SELECT pt.cid, t.id, t.name, t.color, counts.n
		FROM pt JOIN tags t ON t.id = pt.tid JOIN counts ON counts.tid = pt.tid
		ORDER BY t.name COLLATE NOCASE, t.id`, int64sJSON(ids))
	if err != nil {
		return fmt.Errorf("tags of %d conversations: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var conv int64
		var t Tag
		if err := rows.Scan(&conv, &t.ID, &t.Name, &t.Color, &t.Count); err != nil {
			return fmt.Errorf("tags of %d conversations: %w", len(ids), err)
		}
		items[at[conv]].Tags = append(items[at[conv]].Tags, t)
	}
	return rows.Err()
}
