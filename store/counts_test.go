package store

import (
	"testing"
)

// TestCountsFollowTheTables: the counts /api/status shows are kept by triggers, and
// must equal a count of the tables after anything that adds, rebuilds or removes
// conversations and exchanges.
func TestCountsFollowTheTables(t *testing.T) {
	rc := newRecorder(t)
	db := rc.db
	check := func(when string) {
		t.Helper()
		got, err := db.Counts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var want Counts
		if err := db.sql.QueryRow(`SELECT (SELECT COUNT(*) FROM conversations WHERE head_id IS NOT NULL),
			(SELECT COUNT(*) FROM exchanges)`).Scan(&want.Conversations, &want.Exchanges); err != nil {
			t.Fatal(err)
		}
		if got.Conversations != want.Conversations || got.Exchanges != want.Exchanges {
			t.Errorf("%s: Counts = %d conversations, %d exchanges; the tables hold %d, %d",
				when, got.Conversations, got.Exchanges, want.Conversations, want.Exchanges)
		}
	}
	check("empty")
	rc.capture(t, round(msgs(user("one")), bot("first")))
	rc.capture(t, round(msgs(user("one"), bot("first"), user("two")), bot("second")))
	rc.capture(t, round(msgs(user("one"), bot("first"), user("two")), bot("second, again"))) // a regeneration
	rc.capture(t, round(msgs(user("another chat")), bot("ok")))
	check("after captures")
	if c, _ := db.Counts(t.Context()); c.Conversations != 2 || c.Exchanges != 4 {
		t.Errorf("after captures: %+v, want 2 conversations and 4 exchanges", c)
	}
	reindex(t, db, ReindexOptions{})
	check("after a reindex")
	models := Capture{Exchange: Exchange{Method: "GET", URL: "http://up/v1/models", Route: "target", Host: "up",
		Path: "/v1/models", Status: 200, Start: rc.at, End: rc.at}}
	if err := db.Write(t.Context(), []Capture{models}); err != nil {
		t.Fatal(err)
	}
	check("after an exchange that is no chat")
	if _, err := db.sql.Exec(`DELETE FROM exchanges WHERE path = '/v1/models'`); err != nil {
		t.Fatal(err)
	}
	check("after an exchange is deleted")
	if _, err := db.sql.Exec(`UPDATE conversations SET head_id = NULL`); err != nil { // a reindex halfway
		t.Fatal(err)
	}
	check("with conversations being rebuilt")
	if _, err := db.sql.Exec(`DELETE FROM conversations`); err != nil {
		t.Fatal(err)
	}
	check("with none left")

	// llmtap generate's bulk load writes conversations its own way.
	loaded := listFixture(t)
	if c, err := loaded.Counts(t.Context()); err != nil || c.Conversations != 5 {
		t.Errorf("after a bulk load: %+v, %v; want 5 conversations", c, err)
	}
}
