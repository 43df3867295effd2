package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// chatSession makes the exchanges of one chat as a client sends them: every request
// resends the history plus one new user turn, answers are 300-800 characters. With
// tavern set, the system prompt is rebuilt at the top of every request with the time
// in it and a character card after it, as SillyTavern does.
func chatSession(t testing.TB, turns int, tavern bool) []Capture {
	t.Helper()
	return seededSession(t, uint64(turns), turns, tavern)
}

// seededSession is chatSession with its own seed: sessions of different seeds are
// different chats.
func seededSession(t testing.TB, seed uint64, turns int, tavern bool) []Capture {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, seed))
	words := strings.Fields("the sea moon tide pulls water shore high low twice a day because gravity of sun and earth rotates around orbit spring neap bulge")
	text := func(minLen, maxLen int) string {
		n := minLen + rng.IntN(maxLen-minLen)
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		return strings.TrimSpace(b.String())
	}
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	card := "You are Mara, a lighthouse keeper. " + text(1500, 1600)
	start := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	var history []msg
	caps := make([]Capture, 0, turns)
	for i := range turns {
		at := start.Add(time.Duration(i) * 37 * time.Second)
		history = append(history, msg{"user", text(40, 200)})
		msgs := history
		if tavern {
			msgs = append([]msg{{"system", "Current time: " + at.Format(time.DateTime) + ". " + card}}, history...)
		}
		req, err := json.Marshal(map[string]any{"model": "gpt-4o", "messages": msgs, "temperature": 0.8, "stream": false})
		if err != nil {
			t.Fatal(err)
		}
		answer := text(300, 800)
		resp, err := json.Marshal(map[string]any{"id": fmt.Sprintf("chatcmpl-%d", i), "object": "chat.completion",
			"choices": []any{map[string]any{"index": 0, "message": msg{"assistant", answer}, "finish_reason": "stop"}}})
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, msg{"assistant", answer})
		caps = append(caps, Capture{Exchange: Exchange{Method: "POST", URL: "https://api.openai.com/v1/chat/completions",
			Host: "api.openai.com", Path: "/v1/chat/completions", Status: 200, ReqBody: req, RespBody: resp, Start: at, End: at}})
	}
	return caps
}

// TestSessionBodyBytes writes 200-turn sessions one exchange per batch, as a person
// chatting is captured, and reports the bytes their bodies take: as captured, each
// zstd-compressed on its own (before issue 11's references), and as stored now. The
// README's table comes from its output: go test ./store -run TestSessionBodyBytes -v
func TestSessionBodyBytes(t *testing.T) {
	const turns = 200
	for _, tt := range []struct {
		name   string
		tavern bool
	}{{"openai_chat", false}, {"tavern_timestamp", true}} {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			caps := chatSession(t, turns, tt.tavern)
			var raw, plain int
			for _, c := range caps {
				raw += len(c.Exchange.ReqBody) + len(c.Exchange.RespBody)
				plain += len(packBody(c.Exchange.ReqBody)) + len(packBody(c.Exchange.RespBody))
			}
			for i := range caps {
				if err := db.Write(t.Context(), caps[i:i+1]); err != nil {
					t.Fatal(err)
				}
			}
			var stored, refs int
			if err := db.sql.QueryRow(`SELECT SUM(length(req_body) + length(resp_body)), COUNT(req_ref) FROM exchanges`).
				Scan(&stored, &refs); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s, %d turns: bytes per exchange: raw %d, zstd each %d, zstd-ref %d (%.1fx less than zstd each); %d of %d stored as deltas",
				tt.name, turns, raw/turns, plain/turns, stored/turns, float64(plain)/float64(stored), refs, turns)
			if stored*5 > plain {
				t.Errorf("stored %d bytes, want at least 5x less than the %d of zstd each", stored, plain)
			}
			checkBodies(t, db, caps)
		})
	}
}
