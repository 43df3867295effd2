package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSearchExchanges(t *testing.T) {
	db := openTest(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	// A long shared history, so that later request bodies are stored as deltas of
	// earlier ones: the search must decode those too.
	history := strings.Repeat(`{"role":"user","content":"the same long history line"},`, 200)
	var caps []Capture
	for i := range 6 {
		req := fmt.Sprintf(`{"model":"m","messages":[%s{"role":"user","content":"turn %d"}]}`, history, i)
		resp := fmt.Sprintf(`{"choices":[{"message":{"content":"answer %d"}}]}`, i)
		switch i {
		case 2:
			req = strings.Replace(req, "turn 2", "turn 2 with a NeedleInRequest", 1)
		case 4:
			resp = strings.Replace(resp, "answer 4", "answer 4 with a needleinresponse", 1)
		}
		caps = append(caps, Capture{Exchange: Exchange{Method: "POST", URL: "https://api.example.com/v1/chat/completions",
			Host: "api.example.com", Path: "/v1/chat/completions", Status: 200, ReqBody: []byte(req), RespBody: []byte(resp),
			Start: t0.Add(time.Duration(i) * time.Minute), End: t0.Add(time.Duration(i)*time.Minute + time.Second)}})
	}
	caps[5].Exchange.Status = 500
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	var refs int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM exchanges WHERE req_ref IS NOT NULL`).Scan(&refs); err != nil || refs == 0 {
		t.Fatalf("%d request bodies stored as deltas (%v): the test needs some", refs, err)
	}
	tests := []struct {
		name string
		opt  ExchangeListOptions
		want []int64
	}{
		{"in_request_body_any_case", ExchangeListOptions{ExchangeFilter: ExchangeFilter{Text: "needleinrequest"}}, []int64{3}},
		{"in_response_body", ExchangeListOptions{ExchangeFilter: ExchangeFilter{Text: "NEEDLEINRESPONSE"}}, []int64{5}},
		{"shared_text_everywhere", ExchangeListOptions{ExchangeFilter: ExchangeFilter{Text: "same long history"}}, []int64{6, 5, 4, 3, 2, 1}},
		{"paged", ExchangeListOptions{Limit: 2, Offset: 2, ExchangeFilter: ExchangeFilter{Text: "same long history"}}, []int64{4, 3}},
		{"with_other_filters", ExchangeListOptions{ExchangeFilter: ExchangeFilter{Text: "history", Status: "5xx"}}, []int64{6}},
		{"url", ExchangeListOptions{ExchangeFilter: ExchangeFilter{Text: "API.EXAMPLE"}}, []int64{6, 5, 4, 3, 2, 1}},
		{"nothing", ExchangeListOptions{ExchangeFilter: ExchangeFilter{Text: "absent"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, total, partial, err := db.SearchExchanges(t.Context(), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range items {
				got = append(got, e.ID)
			}
			wantTotal := len(tt.want)
			if tt.name == "paged" {
				wantTotal = 6
			}
			if !slices.Equal(got, tt.want) || total != wantTotal || partial {
				t.Errorf("SearchExchanges = %v (total %d, partial %v), want %v (total %d)", got, total, partial, tt.want, wantTotal)
			}
		})
	}
}

func TestContainsFold(t *testing.T) {
	tests := []struct {
		b, needle string
		want      bool
	}{
		{"Hello World", "world", true},
		{"Hello World", "hello world", true},
		{"Hello", "hello!", false},
		{"成都美食 Noodles", "noodles", true},
		{"成都美食", "美食", true},
		{"aaa", "aab", false},
		{"", "a", false},
		{"x", "", true},
	}
	for _, tt := range tests {
		if got := containsFold([]byte(tt.b), []byte(tt.needle)); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tt.b, tt.needle, got, tt.want)
		}
	}
}

func FuzzContainsFold(f *testing.F) {
	for _, s := range [][2]string{{"Hello World", "world"}, {"成都美食", "美食"}, {"aAbB", "ab"}, {"", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, b, needle string) {
		needle = strings.ToLower(needle)
		if strings.ToLower(needle) != needle || !isASCIIFoldSafe(b) || !isASCIIFoldSafe(needle) {
			return
		}
		want := strings.Contains(strings.ToLower(b), needle)
		if got := containsFold([]byte(b), []byte(needle)); got != want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", b, needle, got, want)
		}
	})
}

// isASCIIFoldSafe reports whether s's case folding is ASCII only: strings.ToLower and
// bytes.EqualFold disagree on other scripts' cases (K and the Kelvin sign).
func isASCIIFoldSafe(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}
