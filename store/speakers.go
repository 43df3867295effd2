package store

import (
	"context"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// speakerPreludes prepares a group chat's path for dataset.SplitSpeakers: it
// returns the prelude each character's answers were asked with (the system
// messages of the request behind the character's last answer on the path), or nil
// when msgs is no group chat (fewer than two named speakers). An answer the client
// never resent with its speaker's name (the newest, typically) is given the name of
// the character whose prelude its request carried; msgs is changed in place. A
// system prompt a reviewer wrote holds for every speaker: then the map is empty.
func (db *DB) speakerPreludes(ctx context.Context, msgs []Message) (map[string][]dataset.Message, error) {
	latest := map[string]int64{} // speaker → exchange of their last answer
	var unnamed []int
	for i, m := range msgs {
		switch {
		case m.ID < 0 || m.Role != dataset.RoleAssistant || !m.answer || m.ExchangeID == 0:
		case m.Name == "":
			unnamed = append(unnamed, i)
		default:
			latest[m.Name] = m.ExchangeID
		}
	}
	if len(latest) < 2 {
		return nil, nil
	}
	preludes := map[string][]dataset.Message{}
	for name, ex := range latest {
		p, err := db.exchangePrelude(ctx, ex)
		if err != nil {
			return nil, err
		}
		preludes[name] = p
	}
	for _, i := range unnamed {
		p, err := db.exchangePrelude(ctx, msgs[i].ExchangeID)
		if err != nil {
			return nil, err
		}
		for name, q := range preludes {
			if samePrelude(p, q) {
				msgs[i].Name = name
				break
			}
		}
	}
	for _, m := range msgs {
		if m.ID < 0 && m.Role == dataset.RoleSystem && m.Original != nil {
			// A reviewer wrote the system prompt: theirs holds for every speaker.
			clear(preludes)
			break
		}
	}
	return preludes, nil
}

// exchangePrelude returns the prelude of the request exchange id sent, parsed
// again from the stored body: the system prompt and example dialogue as sent.
func (db *DB) exchangePrelude(ctx context.Context, id int64) ([]dataset.Message, error) {
	var dialect string
	if err := db.sql.QueryRowContext(ctx, `SELECT dialect FROM exchanges WHERE id = ?`, id).Scan(&dialect); err != nil {
		return nil, fmt.Errorf("prelude of exchange %d: %w", id, err)
	}
	body, err := db.requestBody(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := dataset.Parse(dataset.Dialect(dialect), body, nil)
	if err != nil {
		return nil, fmt.Errorf("prelude of exchange %d: %w", id, err)
	}
	return dataset.SplitHistory(r.Messages).Prelude, nil
}
