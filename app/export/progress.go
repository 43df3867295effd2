package export

import (
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
)

// An export of 100,000 conversations takes about a minute, and so does its preview,
// which checks every record. The UI names each run with an id of its own choosing
// (?progress= on the preview, "progress" in POST /api/export's body) and polls
// GET /api/export/progress/{id} while the request runs. Polling, not a stream: the
// Windows webview cannot read a response as it arrives.

// exportProgress is how far one export or preview has got.
type exportProgress struct {
	total atomic.Int64 // conversations to walk; 0 until known
	done  atomic.Int64
}

// report is the progress callback of WriteDataset for this run.
func (p *exportProgress) report(done, total int) {
	p.total.Store(int64(total))
	p.done.Store(int64(done))
}

// Progress is the answer of GET /api/export/progress/{id}.
type Progress struct {
	Done  int64 `json:"done"`
	Total int64 `json:"total"` // 0 while not known yet
}

// progressIDs keeps ids short and plain: they are chosen by the page.
var progressIDs = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// progressRuns holds the runs in flight by id.
type progressRuns struct{ m sync.Map }

// start registers a run under id and returns it with the function that ends it. An
// empty id means nobody asked: the run is tracked nowhere. A taken id is refused.
func (p *progressRuns) start(id string) (*exportProgress, func(), error) {
	run := &exportProgress{}
	if id == "" {
		return run, func() {}, nil
	}
	if !progressIDs.MatchString(id) {
		return nil, nil, badRequest("progress %q: must be 1 to 64 letters, digits, - or _", id)
	}
	if _, taken := p.m.LoadOrStore(id, run); taken {
		return nil, nil, &Error{Status: http.StatusConflict, Msg: "progress " + id + ": already in use by a running export"}
	}
	return run, func() { p.m.Delete(id) }, nil
}

// apiProgress answers GET /api/export/progress/{id}: 404 when no run has that
// id (it has not started yet, or it has ended: its own request then has the answer).
func (s *Service) apiProgress(r *http.Request) (any, error) {
	v, ok := s.runs.m.Load(r.PathValue("id"))
	if !ok {
		return nil, &Error{Status: http.StatusNotFound, Msg: "no export running as " + r.PathValue("id")}
	}
	run := v.(*exportProgress)
	return Progress{Done: run.done.Load(), Total: run.total.Load()}, nil
}
