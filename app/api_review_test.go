package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/llmtap/llmtap/store"
)

// do sends one API request and returns the status and body.
func (ta *testApp) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	return ta.Send(t, method, path, body)
}

// reviewApp is an app holding three chats: "first chat about tides" (two rounds),
// "second chat" and "third chat about tides", and the tag "good" (id 1) on the first.
func reviewApp(t *testing.T) *testApp {
	t.Helper()
	ta := startApp(t, fakeOpenAI(t).URL)
	a1 := ta.chat(t, false, "first chat about tides")
	ta.chat(t, false, "first chat about tides", a1, "go on")
	ta.chat(t, true, "second chat")
	ta.chat(t, false, "third chat about tides")
	ta.wait(t, 4)
	if code, body := ta.do(t, "POST", "/api/tags", `{"name":"good","color":"#2da44e"}`); code != 200 {
		t.Fatalf("POST /api/tags = %d %s", code, body)
	}
	if code, body := ta.do(t, "PUT", "/api/conversations/1/tags", `{"add":[1]}`); code != 204 {
		t.Fatalf("PUT tags = %d %s", code, body)
	}
	return ta
}

func TestReviewAPI(t *testing.T) {
	ta := reviewApp(t)
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantInBody               string
	}{
		{"list_search_snippet", "GET", "/api/conversations?q=tides", "", 200, `<mark>tides</mark>`},
		{"list_search_total", "GET", "/api/conversations?q=tides&sort=created&order=asc", "", 200, `"total":2`},
		{"list_by_tag", "GET", "/api/conversations?tag=1", "", 200, `"total":1`},
		{"list_by_model_and_flags", "GET", "/api/conversations?model=gpt-test&hasTools=0&hasErrors=0", "", 200, `"total":3`},
		{"list_by_date", "GET", "/api/conversations?from=2000-01-01&to=2000-01-02", "", 200, `"total":0`},
		{"list_summary_fields", "GET", "/api/conversations?tag=1", "", 200, `"tags":[{"id":1,"name":"good","color":"#2da44e","count":1}]`},
		{"bad_fts_query", "GET", "/api/conversations?q=%22tides", "", 400, "full-text query"},
		{"bad_sort", "GET", "/api/conversations?sort=title", "", 400, "sort"},
		{"bad_order", "GET", "/api/conversations?order=up", "", 400, "order"},
		{"bad_tri_state", "GET", "/api/conversations?hasTools=yes", "", 400, "hasTools"},
		{"bad_date", "GET", "/api/conversations?from=yesterday", "", 400, "from"},
		{"bad_tag_param", "GET", "/api/conversations?tag=x", "", 400, "tag"},
		{"facets", "GET", "/api/facets", "", 200, `"models":[{"value":"gpt-test","count":3}]`},
		{"tags_with_counts", "GET", "/api/tags", "", 200, `"count":1`},
		{"duplicate_tag", "POST", "/api/tags", `{"name":"Good"}`, 409, "already exists"},
		{"bad_colour", "POST", "/api/tags", `{"name":"x","color":"green"}`, 400, "color"},
		{"empty_tag_name", "POST", "/api/tags", `{"name":""}`, 400, "name"},
		{"rename_tag", "PUT", "/api/tags/1", `{"name":"great"}`, 200, `"name":"great"`},
		{"recolour_tag", "PUT", "/api/tags/1", `{"color":"#000000"}`, 200, `"color":"#000000"`},
		{"update_unknown_tag", "PUT", "/api/tags/99", `{"name":"x"}`, 404, "not found"},
		{"assign_unknown_tag", "PUT", "/api/conversations/2/tags", `{"add":[99]}`, 404, "tag 99"},
		{"assign_to_unknown_conversation", "PUT", "/api/conversations/99/tags", `{"add":[1]}`, 404, "conversation 99"},
		{"reject_with_reason", "PUT", "/api/conversations/2/status", `{"status":"rejected","reason":"off topic"}`, 204, ""},
		{"reason_read_back", "GET", "/api/conversations/2", "", 200, `"rejectReason":"off topic"`},
		{"reason_needs_rejected", "PUT", "/api/conversations/2/status", `{"status":"confirmed","reason":"x"}`, 400, "reason"},
		{"note", "PUT", "/api/conversations/3/note", `{"note":"check <this>"}`, 204, ""},
		{"note_read_back", "GET", "/api/conversations?q=third", "", 200, `"note":"check <this>"`},
		{"note_missing", "PUT", "/api/conversations/3/note", `{}`, 400, "note"},
		{"note_unknown_conversation", "PUT", "/api/conversations/99/note", `{"note":"x"}`, 404, "not found"},
		{"bulk_by_filter", "POST", "/api/bulk", `{"filter":{"q":"tides","hasTools":"0"},"action":"status","status":"confirmed"}`, 200, `{"affected":2}`},
		{"bulk_filter_tag_array", "POST", "/api/bulk", `{"filter":{"tag":["1"]},"action":"untag","tagId":1}`, 200, `{"affected":1}`},
		{"bulk_by_ids", "POST", "/api/bulk", `{"ids":[1,2,99],"action":"tag","tagId":1}`, 200, `{"affected":2}`},
		{"bulk_unknown_filter_key", "POST", "/api/bulk", `{"filter":{"modle":"x"},"action":"tag","tagId":1}`, 400, "filter.modle"},
		{"bulk_unknown_tag", "POST", "/api/bulk", `{"ids":[1],"action":"tag","tagId":99}`, 404, "tag 99"},
		{"bulk_no_tag", "POST", "/api/bulk", `{"ids":[1],"action":"tag"}`, 400, "tagId"},
		{"bulk_no_selection", "POST", "/api/bulk", `{"action":"status","status":"confirmed"}`, 400, "exactly one"},
		{"bulk_bad_action", "POST", "/api/bulk", `{"ids":[1],"action":"delete"}`, 400, "action"},
		{"bulk_bad_search", "POST", "/api/bulk", `{"filter":{"q":"a AND"},"action":"status","status":"confirmed"}`, 400, "full-text query"},
		{"stats", "GET", "/api/stats", "", 200, `"byStatus":{`},
		{"status_has_changed", "GET", "/api/status", "", 200, `"changed":`},
		{"status_names_exports", "GET", "/api/status", "", 200, `"dpo":"llmtap-dpo-`},
		{"delete_tag", "DELETE", "/api/tags/1", "", 204, ""},
		{"delete_unknown_tag", "DELETE", "/api/tags/1", "", 404, "not found"},
		{"tags_after_delete", "GET", "/api/conversations/1", "", 200, `"tags":[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ta.do(t, tt.method, tt.path, tt.body)
			if code != tt.wantStatus || !strings.Contains(body, tt.wantInBody) {
				t.Errorf("%s %s = %d %s, want %d containing %q", tt.method, tt.path, code, body, tt.wantStatus, tt.wantInBody)
			}
		})
	}
}

// TestChangedCounterGrows: the UI polls /api/status and refetches only when changed grows.
func TestChangedCounterGrows(t *testing.T) {
	ta := reviewApp(t)
	changed := func() int64 {
		var st Status
		ta.getJSON(t, "/api/status", &st)
		return st.Changed
	}
	before := changed()
	if again := changed(); again != before {
		t.Errorf("changed = %d then %d with nothing written, want equal", before, again)
	}
	ta.do(t, "PUT", "/api/conversations/1/status", `{"status":"confirmed"}`)
	if after := changed(); after <= before {
		t.Errorf("changed = %d after a status change, want more than %d", after, before)
	}
}

// TestConcurrentCuration changes the status, note and tags of one conversation from
// many goroutines at once: every request must succeed (SQLite serialises writers,
// busy_timeout waits) and the result must be one of the states written.
func TestConcurrentCuration(t *testing.T) {
	ta := reviewApp(t)
	var tags []int64
	for i := range 4 {
		var tg store.Tag
		code, body := ta.do(t, "POST", "/api/tags", fmt.Sprintf(`{"name":"t%d"}`, i))
		if code != 200 || json.Unmarshal([]byte(body), &tg) != nil {
			t.Fatalf("POST /api/tags = %d %s", code, body)
		}
		tags = append(tags, tg.ID)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var method, path, body string
			switch i % 4 {
			case 0:
				method, path, body = "PUT", "/api/conversations/1/status", `{"status":"rejected","reason":"r"}`
			case 1:
				method, path, body = "PUT", "/api/conversations/1/status", `{"status":"confirmed"}`
			case 2:
				method, path, body = "PUT", "/api/conversations/1/tags", fmt.Sprintf(`{"add":[%d],"remove":[%d]}`, tags[i%3], tags[3])
			case 3:
				method, path, body = "PUT", "/api/conversations/1/note", fmt.Sprintf(`{"note":"n%d"}`, i)
			}
			req, _ := http.NewRequest(method, ta.api.URL+path, strings.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 204 {
				errs <- fmt.Sprintf("%s %s = %d %s", method, path, resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var d store.Detail
	if code := ta.getJSON(t, "/api/conversations/1", &d); code != 200 {
		t.Fatalf("GET /api/conversations/1 = %d", code)
	}
	if (d.Status == "rejected") != (d.RejectReason == "r") || !strings.HasPrefix(d.Note, "n") {
		t.Errorf("after concurrent changes: status %s, reason %q, note %q; want a consistent state", d.Status, d.RejectReason, d.Note)
	}
}
