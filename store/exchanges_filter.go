package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ExchangeFilter narrows the exchange log like an HTTP debugger's filter bar. Every
// field's zero value filters nothing; set fields all apply (AND).
type ExchangeFilter struct {
	Host    string // exact upstream host[:port]
	Model   string // exact model the request asked for
	Dialect string // exact dialect ("openai", "anthropic", …); "none" for unrecognised
	// Status is an exact code ("404") or a class ("2xx", "4xx", "5xx"); "failed"
	// means no answer at all (status 0 or a transport error).
	Status string
	// Since and Until bound the start time: [Since, Until).
	Since, Until time.Time
	// Text is matched, case-insensitively as a substring, against the URL, the model,
	// the error and the parse error. Bodies are stored compressed and are not searched.
	Text string
}

// where returns the SQL conditions of f (joined with AND, "" when none) and their
// arguments, or an error wrapping ErrInvalid naming the field.
func (f ExchangeFilter) where() (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) { conds = append(conds, cond); args = append(args, a...) }
	if f.Host != "" {
		add(`host = ?`, f.Host)
	}
	if f.Model != "" {
		add(`model = ?`, f.Model)
	}
	switch f.Dialect {
	case "":
	case "none":
		add(`dialect = ''`)
	default:
		add(`dialect = ?`, f.Dialect)
	}
	switch s := f.Status; {
	case s == "":
	case s == "failed":
		add(`(status = 0 OR error != '')`)
	case len(s) == 3 && s[0] >= '1' && s[0] <= '5' && s[1:] == "xx":
		lo := int(s[0]-'0') * 100
		add(`status BETWEEN ? AND ?`, lo, lo+99)
	default:
		code, err := strconv.Atoi(s)
		if err != nil || code < 100 || code > 599 {
			return "", nil, fmt.Errorf("status %q: want a code such as 404, a class such as 4xx, or failed: %w", s, ErrInvalid)
		}
		add(`status = ?`, code)
	}
	if !f.Since.IsZero() {
		add(`started_at >= ?`, f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		add(`started_at < ?`, f.Until.UnixMilli())
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		pat := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(t) + "%"
		add(`(url LIKE ? ESCAPE '\' OR model LIKE ? ESCAPE '\' OR error LIKE ? ESCAPE '\' OR parse_error LIKE ? ESCAPE '\')`,
			pat, pat, pat, pat)
	}
	return strings.Join(conds, " AND "), args, nil
}

// ExchangeFacets are the values the exchange log's filters offer: each host, model
// and dialect seen, sorted.
type ExchangeFacets struct {
	Hosts    []string `json:"hosts"`
	Models   []string `json:"models"`
	Dialects []string `json:"dialects"`
}

// ExchangeFacets returns the distinct hosts, models and dialects of all exchanges.
func (db *DB) ExchangeFacets(ctx context.Context) (ExchangeFacets, error) {
	f := ExchangeFacets{Hosts: []string{}, Models: []string{}, Dialects: []string{}}
	// Host and model are in the exchanges_health index: reading it skips the rows,
	// whose bodies come first. Dialect is not, and is read from the rows.
	for _, q := range []struct {
		col, index string
		dst        *[]string
	}{{"host", "INDEXED BY exchanges_health", &f.Hosts}, {"model", "INDEXED BY exchanges_health", &f.Models}, {"dialect", "", &f.Dialects}} {
		rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT `+q.col+` FROM exchanges `+q.index+` WHERE `+q.col+` != '' ORDER BY 1`)
		if err != nil {
			return f, fmt.Errorf("exchange %ss: %w", q.col, err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return f, fmt.Errorf("exchange %ss: %w", q.col, err)
			}
			*q.dst = append(*q.dst, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return f, fmt.Errorf("exchange %ss: %w", q.col, err)
		}
	}
	return f, nil
}

// maxConversationProbe bounds how many conversations, started at or before an
// exchange, ExchangeConversation looks through for it.
const maxConversationProbe = 2000

// ExchangeConversation returns the conversation holding a message from exchange id,
// or an error wrapping ErrNotFound when none does (not a chat, or not parsed).
// messages has no index on exchange_id, so it walks the conversations that started
// at or before the exchange, newest first (an index), and looks in each one's
// messages (an index too): a chat's exchanges come soon after its first one.
func (db *DB) ExchangeConversation(ctx context.Context, id int64) (int64, error) {
	var conv int64
	err := db.sql.QueryRowContext(ctx, `SELECT c.id FROM (
			SELECT id FROM conversations WHERE origin_exchange_id <= ? AND head_id IS NOT NULL
			ORDER BY origin_exchange_id DESC LIMIT ?) c
		WHERE EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.exchange_id = ?)
		LIMIT 1`, id, maxConversationProbe, id).Scan(&conv)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("conversation of exchange %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("conversation of exchange %d: %w", id, err)
	}
	return conv, nil
}
