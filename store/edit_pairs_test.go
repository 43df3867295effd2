package store

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

func TestEachPreferencePair(t *testing.T) {
	rc := newRecorder(t)
	db, ctx := rc.db, t.Context()
	rc.capture(t, round(msgs(sys("be nice"), user("hi")), bot("hello")))
	rc.capture(t, round(msgs(sys("be nice"), user("hi")), bot("hey there")))
	// The client resends a changed answer: a sibling of the model's own.
	rc.capture(t, round(msgs(sys("be nice"), user("hi"), bot("hello, friend"), user("next")), bot("sure")))
	rc.capture(t, round(msgs(user("second chat")), bot("ok")))
	rc.capture(t, round(msgs(user("third chat")), bot("meh")))
	for _, err := range []error{
		db.SetPreferred(ctx, msgID(t, db, "hey there"), true),
		db.EditMessage(ctx, msgID(t, db, "ok"), "OK!"),
		db.EditMessage(ctx, msgID(t, db, "meh"), "Fine."),
		db.SetTrain(ctx, msgID(t, db, "meh"), false), // never chosen
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err := db.EachPreferencePair(ctx, ExportFilter{}, func(p dataset.PreferencePair) error {
		var h []string
		for _, m := range p.History {
			h = append(h, string(m.Role[0])+":"+m.Content)
		}
		got = append(got, strings.Join(h, " ")+" | "+p.Chosen.Content+" > "+p.Rejected.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"s:be nice u:hi | hey there > hello",
		"s:be nice u:hi | hey there > hello, friend",
		"s:be nice u:hi | hello, friend > hello",
		"u:second chat | OK! > ok",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
}
