package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

// TestHealth writes exchanges of known timing and outcome and checks every figure.
func TestHealth(t *testing.T) {
	db := openTest(t)
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	ex := func(at time.Duration, host, model string, status int, ttfb, total time.Duration, stream, aborted bool, errText string) Capture {
		start := base.Add(at)
		e := Exchange{Method: "POST", URL: "https://" + host + "/v1/chat/completions", Route: "host:" + host, Host: host,
			Path: "/v1/chat/completions", Status: status, Model: model, Stream: stream, Aborted: aborted, Err: errText,
			Start: start, End: start.Add(total)}
		if ttfb >= 0 {
			e.FirstByte = start.Add(ttfb)
		}
		return Capture{Exchange: e}
	}
	ms := time.Millisecond
	var caps []Capture
	// a.example: ten streamed successes, 100..1000 ms, first byte at a tenth of that.
	for i := 1; i <= 10; i++ {
		caps = append(caps, ex(time.Duration(i)*time.Minute, "a.example", "m1", 200, time.Duration(i)*10*ms, time.Duration(i)*100*ms, true, false, ""))
	}
	caps = append(caps,
		ex(20*time.Minute, "a.example", "m1", 429, 5*ms, 5*ms, false, false, ""),
		ex(21*time.Minute, "a.example", "m1", 429, 5*ms, 5*ms, false, false, ""),
		ex(22*time.Minute, "a.example", "m2", 500, 5*ms, 5*ms, false, false, ""),
		ex(23*time.Minute, "a.example", "m2", 504, 5*ms, 5*ms, false, false, ""),
		ex(24*time.Minute, "a.example", "m2", 200, 5*ms, 50*ms, true, false, "upstream response cut off: unexpected EOF"),
		ex(25*time.Minute, "b.example", "", 0, -1, 5*ms, false, false, "llmtap cannot reach upstream b.example: connection refused"),
		ex(26*time.Minute, "b.example", "", 200, 5*ms, 9*ms, false, true, ""),
		// Before the window: counted in all time only.
		ex(-2*time.Hour, "b.example", "m3", 200, 1*ms, 7*ms, false, false, ""),
	)
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		since      time.Time
		wantHosts  []HealthRow
		wantModels []string // names, busiest first
	}{
		{"window", base, []HealthRow{
			{Name: "a.example", Requests: 15, OK: 10, Streams: 10, SuccessRate: 10.0 / 15, LatencyP50MS: 500, LatencyP95MS: 1000, TTFBP50MS: 50, TTFBP95MS: 100,
				Errors: HealthErrors{ByStatus: map[string]int{"429": 2}, Server: 1, Timeouts: 1, Cut: 1}},
			{Name: "b.example", Requests: 2, Errors: HealthErrors{Unreachable: 1, Aborted: 1}},
		}, []string{"m1", "m2", ""}},
		{"all_time", time.Time{}, []HealthRow{
			{Name: "a.example", Requests: 15, OK: 10, Streams: 10, SuccessRate: 10.0 / 15, LatencyP50MS: 500, LatencyP95MS: 1000, TTFBP50MS: 50, TTFBP95MS: 100,
				Errors: HealthErrors{ByStatus: map[string]int{"429": 2}, Server: 1, Timeouts: 1, Cut: 1}},
			{Name: "b.example", Requests: 3, OK: 1, SuccessRate: 1.0 / 3, LatencyP50MS: 7, LatencyP95MS: 7, Errors: HealthErrors{Unreachable: 1, Aborted: 1}},
		}, []string{"m1", "m2", "", "m3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := db.Health(t.Context(), tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantHosts, h.Hosts); diff != "" {
				t.Errorf("Health(%v).Hosts (-want +got):\n%s", tt.since, diff)
			}
			var names []string
			for _, m := range h.Models {
				names = append(names, m.Name)
			}
			if diff := cmp.Diff(tt.wantModels, names); diff != "" {
				t.Errorf("Health(%v) model names (-want +got):\n%s", tt.since, diff)
			}
		})
	}
}

func TestPercentiles(t *testing.T) {
	tests := []struct {
		name           string
		in             []int64
		want50, want95 int64
	}{
		{"none", nil, 0, 0},
		{"one", []int64{7}, 7, 7},
		{"two", []int64{9, 1}, 1, 9},
		{"hundred", func() []int64 {
			v := make([]int64, 100)
			for i := range v {
				v[i] = int64(100 - i)
			}
			return v
		}(), 50, 95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p50, p95 := percentiles(tt.in)
			if p50 != tt.want50 || p95 != tt.want95 {
				t.Errorf("percentiles(%v) = %d, %d, want %d, %d", tt.in, p50, p95, tt.want50, tt.want95)
			}
		})
	}
}

// TestReindexFillsModel checks reindex gives exchanges stored without a model (as
// before migration 14) the one their request named, and keeps a recorded one.
func TestReindexFillsModel(t *testing.T) {
	db := openTest(t)
	at := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	caps := []Capture{}
	for _, c := range []struct{ model, body string }{
		{"", `{"model":"from-body"}`},
		{"recorded", `{"model":"other"}`},
		{"", `not json`},
	} {
		caps = append(caps, Capture{Exchange: Exchange{Method: "POST", Host: "h.example", Path: "/v1/embeddings", Status: 200,
			Model: c.model, ReqBody: []byte(c.body), Start: at, End: at}})
	}
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	reindex(t, db, ReindexOptions{Decide: func(*Exchange) (dataset.Dialect, *dataset.Round, string) { return "", nil, "" }})
	h, err := db.Health(t.Context(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range h.Models {
		got = append(got, m.Name)
	}
	if diff := cmp.Diff([]string{"", "from-body", "recorded"}, got); diff != "" {
		t.Errorf("models after reindex (-want +got):\n%s", diff)
	}
}
